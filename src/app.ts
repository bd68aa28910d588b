// The composition root: createDependencies() builds every collaborator from the config,
// createApp() wires them into an Express app that never listens (main.ts does that).
import { createSecretKey, randomBytes } from 'node:crypto';
import cors from 'cors';
import express, { type Express } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import helmet from 'helmet';
import type { Logger } from 'pino';
import swaggerUi from 'swagger-ui-express';
import { dictionary } from '@zxcvbn-ts/language-common';
import type { Config } from './config';
import { MemoryAttemptCounter } from './data-access/memory-attempt-counter';
import { MemoryRevocationStore } from './data-access/memory-revocation-store';
import { MemoryUserStore } from './data-access/memory-user-store';
import { AccountService } from './domain/account-service';
import type { AttemptCounter } from './domain/attempt-counter';
import { combineSinks, type AuthEventSink } from './domain/auth-events';
import { systemClock, type Clock } from './domain/clock';
import { Argon2idHasher, type PasswordHasher } from './domain/password-hasher';
import { PasswordPolicy } from './domain/password-policy';
import { RateLimiter } from './domain/rate-limiter';
import { TokenService } from './domain/token-service';
import type { RevocationStore } from './domain/revocation-store';
import type { UserStore } from './domain/user-store';
import { auditSink } from './audit-log';
import { apiPreamble, BODY_LIMIT_BYTES, recordHeaders } from './http/api-preamble';
import { composeMiddleware } from './http/compose-middleware';
import { loadContract, type Contract } from './http/contract';
import { errorHandler, notFoundHandler } from './http/error-handler';
import { createHandlers, type OperationHandlers } from './http/handlers';
import { installRequestLogging } from './http/request-logging';
import { memoiseValidatorRouteMatchers } from './http/validator-route-cache';
import { createMetrics, type Metrics } from './metrics';

export interface Lifecycle {
  /** Set when shutdown begins: readiness turns false so load balancers stop sending traffic. */
  draining: boolean;
}

export interface AppDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly contract: Contract;
  readonly users: UserStore;
  readonly accounts: AccountService;
  readonly lifecycle: Lifecycle;
  /** undefined when METRICS_ENABLED=false. */
  readonly metrics: Metrics | undefined;
}

/** Collaborators a caller (a test, a future PostgreSQL wiring) may supply instead of the defaults. */
export interface DependencyOverrides {
  readonly clock?: Clock;
  readonly users?: UserStore;
  readonly attempts?: AttemptCounter;
  readonly revocations?: RevocationStore;
  readonly hasher?: PasswordHasher;
  readonly contract?: Contract;
  readonly events?: AuthEventSink;
}

export async function createDependencies(
  config: Config,
  logger: Logger,
  overrides: DependencyOverrides = {},
): Promise<AppDeps> {
  const clock = overrides.clock ?? systemClock;
  const users = overrides.users ?? new MemoryUserStore();
  const attempts = overrides.attempts ?? new MemoryAttemptCounter(clock);
  // The dummy hash runs on the thread pool while the contract is parsed and checked here.
  const [hasher, contract] = await Promise.all([
    overrides.hasher ?? Argon2idHasher.create(config.password.argon2),
    overrides.contract ?? loadContract(),
  ]);

  let secret = config.jwt.secret;
  if (secret === undefined) {
    secret = randomBytes(64).toString('base64url');
    logger.warn(
      'JWT_SECRET is not set: using a random secret generated at start-up; tokens will not survive a restart ' +
        'and replicas will not accept each other’s tokens. Set JWT_SECRET (at least 32 bytes) in production.',
    );
  }
  // A KeyObject, not a string: jsonwebtoken then skips its per-call key parsing (~25x faster).
  const key = createSecretKey(Buffer.from(secret, 'utf8'));

  const rl = config.rateLimit;
  const metrics = config.metrics.enabled ? createMetrics() : undefined;
  const events = combineSinks(
    auditSink(logger),
    ...(metrics ? [metrics.events] : []),
    ...(overrides.events ? [overrides.events] : []),
  );
  const accounts = new AccountService({
    users,
    hasher,
    policy: new PasswordPolicy({
      minLength: config.password.minLength,
      commonPasswords: dictionary['passwords-common'],
    }),
    tokens: new TokenService({
      key,
      algorithm: config.jwt.algorithm,
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ttlSeconds: config.jwt.accessTokenTtlSeconds,
      clockToleranceSeconds: config.jwt.clockToleranceSeconds,
      clock,
    }),
    revocations: overrides.revocations ?? new MemoryRevocationStore(clock),
    loginLimiter: new RateLimiter(attempts, clock, 'login', rl.enabled),
    signupLimiter: new RateLimiter(attempts, clock, 'signup', rl.enabled),
    limits: {
      loginPerAccount: { max: rl.loginMaxFailuresPerAccount, windowMs: rl.loginWindowSeconds * 1000 },
      loginPerIp: { max: rl.loginMaxFailuresPerIp, windowMs: rl.loginWindowSeconds * 1000 },
      signupPerIp: { max: rl.signupMaxPerIp, windowMs: rl.signupWindowSeconds * 1000 },
    },
    events,
    clock,
  });

  return { config, logger, contract, users, accounts, lifecycle: { draining: false }, metrics };
}

/** Fails start-up unless handlers and contract operations match one to one. */
export function checkHandlers(contract: Contract, handlers: OperationHandlers): void {
  const declared = new Set(contract.operations.map((o) => o.operationId));
  const missing = [...declared].filter((id) => !(id in handlers));
  const extra = Object.keys(handlers).filter((id) => !declared.has(id));
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(
      `openapi.yaml and the handler map disagree: ` +
        `${missing.length ? `no handler for ${missing.join(', ')}` : ''}` +
        `${missing.length && extra.length ? '; ' : ''}` +
        `${extra.length ? `no operation for ${extra.join(', ')}` : ''}`,
    );
  }
}

export function createApp(deps: AppDeps): Express {
  const { config, logger, contract, users, accounts, lifecycle, metrics } = deps;

  const handlers = createHandlers({
    accounts,
    // Served here unless disabled or moved to METRICS_PORT (see main.ts).
    metrics: metrics && config.metrics.port === undefined ? metrics.registry : undefined,
    isReady: async () => {
      if (lifecycle.draining) return false;
      try {
        await users.ping();
        return true;
      } catch (err) {
        logger.warn({ err }, 'user store unreachable');
        return false;
      }
    },
  });
  checkHandlers(contract, handlers);

  const app = express();
  app.disable('x-powered-by');
  // Responses are never cacheable, so an ETag would only cost a hash of every body.
  app.set('etag', false);
  app.set('trust proxy', config.http.trustProxy);

  app.use(installRequestLogging(app, logger, metrics ? [metrics.observeRequest] : []));
  if (config.http.corsOrigins.length > 0) {
    const allowed = new Set(config.http.corsOrigins);
    app.use(
      cors({
        origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
        methods: ['GET', 'POST'],
        allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
        exposedHeaders: ['X-Request-Id', 'Retry-After', 'WWW-Authenticate'],
        maxAge: 600,
      }),
    );
  }

  // Swagger UI (outside request validation). Its page needs scripts, styles and images from
  // this origin; upgrade-insecure-requests is dropped so it also loads over plain-HTTP
  // addresses other than localhost (e.g. http://host:8000/docs from another machine).
  app.use(
    '/docs',
    helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }),
    swaggerUi.serve,
    swaggerUi.setup(contract.document, {
      customSiteTitle: contract.document.info.title,
      swaggerOptions: { persistAuthorization: false, tryItOutEnabled: false },
    }),
  );

  // Everything else is an API answering JSON. The OWASP REST Security Cheat Sheet's set:
  // nothing may load, frame or run from a response ("default-src 'none'; frame-ancestors
  // 'none'", X-Frame-Options DENY), no MIME sniffing, HSTS, no cross-origin embedding, and
  // nothing cached (RFC 6749 §5.1 demands it for /token). Helmet's headers that only
  // matter for HTML documents or legacy browsers are left off the API. These headers never
  // vary, so helmet runs once here and its output is replayed per request.
  const apiHeaders = [
    ...recordHeaders(
      helmet({
        contentSecurityPolicy: {
          useDefaults: false,
          directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
        },
        frameguard: { action: 'deny' },
        crossOriginOpenerPolicy: false,
        originAgentCluster: false,
        referrerPolicy: false,
        xDnsPrefetchControl: false,
        xDownloadOptions: false,
        xPermittedCrossDomainPolicies: false,
        xXssProtection: false,
      }),
    ),
    ['Cache-Control', 'no-store'],
    ['Pragma', 'no-cache'],
  ] as const;
  app.use(
    apiPreamble(apiHeaders, [
      express.json({ limit: BODY_LIMIT_BYTES, strict: true }),
      express.urlencoded({ limit: BODY_LIMIT_BYTES, extended: false, parameterLimit: 20 }),
    ]),
  );
  // The contract itself, behind the same headers.
  app.get('/openapi.yaml', (_req, res) => {
    res.type('application/yaml').send(contract.yamlText);
  });
  app.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(contract.jsonText);
  });

  memoiseValidatorRouteMatchers();
  app.use(
    composeMiddleware(
      OpenApiValidator.middleware({
        apiSpec: contract.document,
        // Checked once at start-up by loadContract(); not again on the first request.
        validateApiSpec: false,
        // As FastAPI: report every bad field at once, and ignore unknown query parameters
        // (clients of the original may send some).
        validateRequests: { allowUnknownQueryParameters: true, allErrors: true },
        validateResponses: config.http.validateResponses,
        // Bearer tokens are verified by the handlers: the validator's check neither verifies
        // them nor sends the WWW-Authenticate challenge RFC 6750 §3 requires.
        validateSecurity: false,
        fileUploader: { limits: { fieldSize: BODY_LIMIT_BYTES, fields: 20, files: 0, parts: 20 } },
        operationHandlers: {
          basePath: '',
          resolver: (_basePath, route, apiDoc) => {
            const method = route.method.toLowerCase();
            const item = apiDoc.paths?.[route.openApiRoute] as Record<string, { operationId?: string }> | undefined;
            const operationId = item?.[method]?.operationId;
            const handler = operationId === undefined ? undefined : handlers[operationId];
            if (!handler) throw new Error(`no handler for ${route.method} ${route.openApiRoute}`);
            return handler;
          },
        },
      }),
    ),
  );
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
