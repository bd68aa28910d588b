// The HTTP pipeline: assembles the Express app from collaborators the composition root built.
// It never listens (main.ts does that), so tests drive it through supertest.
import cors from 'cors';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import swaggerUi from 'swagger-ui-express';
import type { AccountService } from '../domain/account-service';
import type { SessionService } from '../domain/session-service';
import type { Metrics } from '../metrics';
import { apiPreamble, BODY_LIMIT_BYTES } from './api-preamble';
import type { Contract } from './contract/contract';
import { contractValidator } from './contract/validator';
import { errorHandler, notFoundHandler } from './error-handler';
import type { Discovery } from './discovery';
import { createHandlers } from './handlers';
import { installRequestLogging } from './request-logging';
import { apiSecurityHeaders, docsSecurityHeaders } from './security-headers';

export interface HttpOptions {
  readonly corsOrigins: readonly string[];
  /** Express "trust proxy": false, a hop count, or the proxies' addresses/subnets (never true). */
  readonly trustProxy: false | number | readonly string[];
  readonly validateResponses: boolean;
}

export interface AppParts {
  readonly http: HttpOptions;
  readonly logger: Logger;
  readonly contract: Contract;
  readonly accounts: AccountService;
  readonly sessions: SessionService;
  /** Resolves true when the service can take traffic. */
  readonly isReady: () => Promise<boolean>;
  /** The RFC 8414 metadata and the JWKS. */
  readonly discovery: Discovery;
  /** Request and authentication metrics; undefined when metrics are off. */
  readonly metrics: Metrics | undefined;
}

export function createApp(parts: AppParts): Express {
  const { http, logger, contract, accounts, sessions, isReady, discovery, metrics } = parts;
  const handlers = createHandlers({ accounts, sessions, isReady, discovery });

  const app = express();
  app.disable('x-powered-by');
  // Responses are never cacheable, so an ETag would only cost a hash of every body.
  app.set('etag', false);
  app.set('trust proxy', typeof http.trustProxy === 'object' ? [...http.trustProxy] : http.trustProxy);

  app.use(installRequestLogging(app, logger, metrics ? [metrics.observeRequest] : []));
  if (http.corsOrigins.length > 0) {
    const allowed = new Set(http.corsOrigins);
    app.use(
      cors({
        origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
        methods: ['GET', 'POST', 'DELETE'],
        allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
        exposedHeaders: ['X-Request-Id', 'Retry-After', 'WWW-Authenticate'],
        maxAge: 600,
      }),
    );
  }

  // Swagger UI, outside request validation.
  app.use(
    '/docs',
    docsSecurityHeaders(),
    swaggerUi.serve,
    swaggerUi.setup(contract.document, {
      customSiteTitle: contract.document.info.title,
      swaggerOptions: { persistAuthorization: false, tryItOutEnabled: false },
    }),
  );

  // Everything else is an API answering JSON.
  app.use(
    apiPreamble(apiSecurityHeaders(), [
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

  app.use(
    contractValidator(contract, handlers, {
      validateResponses: http.validateResponses,
      bodyLimitBytes: BODY_LIMIT_BYTES,
    }),
  );
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
