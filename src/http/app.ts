// The HTTP pipeline: assembles the Express app from collaborators the composition root built.
// It never listens (main.ts does that), so tests drive it through supertest.
import cors from 'cors';
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import swaggerUi from 'swagger-ui-express';
import type { AccountService } from '../domain/account-service';
import type { SessionService } from '../domain/session-service';
import type { Metrics } from '../metrics';
import { apiPreamble, BODY_LIMIT_BYTES } from './api-preamble';
import type { Contract } from './contract/contract';
import { composeMiddleware } from './contract/compose-middleware';
import { contractValidator, validatorReady, type ContractValidatorOptions } from './contract/validator';
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

/**
 * Paths the pages router could match (Express matches them case-insensitively, and with a
 * trailing slash): any other request skips it.
 */
const PAGE_PATHS = /^\/(docs|openapi\.)/i;

const validatorOptions = (http: HttpOptions): ContractValidatorOptions => ({
  validateResponses: http.validateResponses,
  bodyLimitBytes: BODY_LIMIT_BYTES,
});

/**
 * Resolves once the app's validator has loaded its view of the contract (validator.ts), so the
 * first request does not wait for it; rejects when the library cannot load the contract.
 */
export const appReady = ({ contract, http }: Pick<AppParts, 'contract' | 'http'>): Promise<void> =>
  validatorReady(contract, validatorOptions(http));

export function createApp(parts: AppParts): Express {
  const { http, logger, contract, accounts, sessions, isReady, discovery, metrics } = parts;
  const handlers = createHandlers({ accounts, sessions, isReady, discovery });

  const app = express();
  app.disable('x-powered-by');
  // Responses are never cacheable, so an ETag would only cost a hash of every body.
  app.set('etag', false);
  app.set('trust proxy', typeof http.trustProxy === 'object' ? [...http.trustProxy] : http.trustProxy);

  // Express runs every layer's path match and bookkeeping for every request that passes it,
  // so the pipeline has few layers: the request line (and CORS), the pages, the API. What each
  // does is unchanged; `npm run bench` measured the layers a GET /protected passed (eight
  // before) as a cost of their own.
  const front: RequestHandler[] = [installRequestLogging(app, logger, metrics ? [metrics.observeRequest] : [])];
  if (http.corsOrigins.length > 0) {
    const allowed = new Set(http.corsOrigins);
    front.push(
      cors({
        origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
        methods: ['GET', 'POST', 'DELETE'],
        allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
        exposedHeaders: ['X-Request-Id', 'Retry-After', 'WWW-Authenticate'],
        maxAge: 600,
      }),
    );
  }
  app.use(composeMiddleware(front));

  // Swagger UI and the contract itself: pages outside request validation, in a router of their
  // own that only paths which could match enter.
  const pages = express.Router();
  pages.use(
    '/docs',
    docsSecurityHeaders(),
    swaggerUi.serve,
    swaggerUi.setup(contract.document, {
      customSiteTitle: contract.document.info.title,
      swaggerOptions: { persistAuthorization: false, tryItOutEnabled: false },
    }),
  );
  // The contract, behind the API's headers and size check.
  const preamble = apiPreamble(apiSecurityHeaders(), [
    express.json({ limit: BODY_LIMIT_BYTES, strict: true }),
    express.urlencoded({ limit: BODY_LIMIT_BYTES, extended: false, parameterLimit: 20 }),
  ]);
  pages.get('/openapi.yaml', preamble, (_req, res) => {
    res.type('application/yaml').send(contract.yamlText);
  });
  pages.get('/openapi.json', preamble, (_req, res) => {
    res.type('application/json').send(contract.jsonText);
  });
  app.use((req, res, next) => {
    if (PAGE_PATHS.test(req.path)) pages(req, res, next);
    else next();
  });

  // Everything else is an API answering JSON: the constant headers, the body parsers, and the
  // contract's validator, which routes each operation to its handler.
  const [validate, ...validationErrorLayers] = contractValidator(contract, handlers, validatorOptions(http));
  app.use(composeMiddleware([preamble, validate]));
  app.use(validationErrorLayers);
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
