// EXPERIMENT, not part of `npm run bench`: the service's own app (dist/app.js createApp, so the
// middleware stack is exactly the production one) with chosen layers removed or replaced, to
// measure what each concern costs per request and what candidate fixes would gain. Started by
// bench/experiments/ablation.mjs; never used in production. Variants (ABLATE, comma-separated):
//   drop:<layer name>  remove that layer (names as Express reports them, e.g. helmetMiddleware)
//   no-eov             no express-openapi-validator: handlers routed by a plain express.Router
//   memo-ptr           memoise path-to-regexp's pathToRegexp (EOV compiles every route's
//                      regexp on every request in its metadata middleware)
//   lean-log           pino-http replaced by one hand-written on-finish logger writing the same
//                      line (req id, method, path, status, responseTime), req.log a lazy child
//   no-redact          the pino logger without its redact paths
//   narrow-redact      the pino logger with its redact paths minus the '*.x' wildcards
//   static-headers     helmet replaced by its headers computed once and set per request
//   preamble           no-cache headers, size check and body parsers folded into one layer
//                      that skips the parsers for requests without a body
//   own-validation     EOV replaced by per-operation ajv validators compiled at start-up
//                      (request body + response body by status; a sketch, see below)
/* global process */
import { createRequire } from 'node:module';
import express from 'express';

const require = createRequire(import.meta.url);
const ablate = new Set((process.env.ABLATE ?? '').split(',').filter(Boolean));

if (ablate.has('memo-ptr')) {
  // EOV calls pathToRegexp(expressRoute, {sensitive, strict}) for each route on each request.
  const ptr = require(require.resolve('path-to-regexp', { paths: [require.resolve('express-openapi-validator')] }));
  const original = ptr.pathToRegexp;
  const cache = new Map();
  ptr.pathToRegexp = (p, opts = {}) => {
    if (typeof p !== 'string') return original(p, opts);
    const key = `${p}\0${JSON.stringify(opts)}`;
    let r = cache.get(key);
    if (!r) cache.set(key, (r = original(p, opts)));
    return r;
  };
}

const { loadConfig } = require('../../dist/config.js');
const { createLogger, REDACT_PATHS } = require('../../dist/logger.js');
const { createApp, createDependencies } = require('../../dist/app.js');
const { createHandlers } = require('../../dist/http/handlers.js');
const { createHttpServer } = require('../../dist/http/server.js');
const { requestId } = require('../../dist/http/request-logging.js');

const config = loadConfig(process.env);
let logger = createLogger(config.logLevel);
if (ablate.has('no-redact') || ablate.has('narrow-redact')) {
  // The same options as src/logger.ts, without redaction or without its wildcard paths.
  const pino = require('pino');
  const paths = REDACT_PATHS.filter((p) => !p.startsWith('*.'));
  logger = pino(
    {
      level: config.logLevel,
      base: { service: 'jwt-auth-service' },
      timestamp: pino.stdTimeFunctions.isoTime,
      ...(ablate.has('narrow-redact') ? { redact: { paths, censor: '[REDACTED]' } } : {}),
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ dest: 1, sync: false }),
  );
}
const deps = await createDependencies(config, logger);
const app = createApp(deps);
const stack = app.router.stack;

const EOV_LAYERS = [
  'pathParamsMiddleware',
  'metadataMiddleware',
  'securityMiddleware',
  'multipartMiddleware',
  'requestMiddleware',
  'responseMiddleware',
];
const drop = new Set([...ablate].filter((a) => a.startsWith('drop:')).map((a) => a.slice(5)));
if (ablate.has('no-eov')) {
  for (const name of EOV_LAYERS) drop.add(name);
  const handlers = createHandlers({ accounts: deps.accounts, isReady: async () => true });
  const router = express.Router();
  for (const op of deps.contract.operations) {
    const handler = handlers[op.operationId];
    if (handler) router[op.method](op.path.replace(/\{([^}]+)\}/g, ':$1'), handler);
  }
  const ops = stack.find((l) => l.name === 'operationHandlersMiddleware');
  if (!ops) notApplicable('no-eov: no express-openapi-validator operationHandlersMiddleware layer');
  ops.handle = router;
}
if (ablate.has('own-validation')) {
  // Request and response validation without express-openapi-validator: one ajv validator per
  // operation, request body and declared status, compiled at start-up from the same contract;
  // routing by a plain express.Router; res.json checked against the status's schema. Only a
  // sketch of the cost (errors are not shaped like the service's 422/500 answers).
  for (const name of EOV_LAYERS) drop.add(name);
  const Ajv = require('ajv');
  const addFormats = require('ajv-formats');
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('password', true);
  const doc = deps.contract.document;
  ajv.addSchema({ $id: 'contract', components: doc.components });
  const rebase = (schema) => JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"contract#/components/'));
  const resolve = (r) => (r?.$ref ? doc.components.responses[r.$ref.split('/').pop()] : r);
  const handlers = createHandlers({ accounts: deps.accounts, isReady: async () => true });
  const router = express.Router();
  for (const op of deps.contract.operations) {
    const item = doc.paths[op.path][op.method];
    const responses = new Map();
    for (const [status, r] of Object.entries(item.responses ?? {})) {
      const schema = resolve(r)?.content?.['application/json']?.schema;
      responses.set(Number(status), schema ? ajv.compile(rebase(schema)) : null);
    }
    const bodies = new Map(
      Object.entries(item.requestBody?.content ?? {}).map(([type, c]) => [type, ajv.compile(rebase(c.schema))]),
    );
    const validate = (req, res, next) => {
      if (bodies.size > 0) {
        const type = (req.headers['content-type'] ?? '').split(';', 1)[0].trim().toLowerCase();
        const check = bodies.get(type);
        if (!check) return next(Object.assign(new Error('Unsupported media type'), { status: 415 }));
        if (!check(req.body ?? {}))
          return next(Object.assign(new Error('Bad Request'), { status: 400, errors: check.errors }));
      }
      const json = res.json;
      res.json = function checkedJson(body) {
        const check = responses.get(this.statusCode);
        if (check === undefined || (check !== null && !check(body))) {
          this.statusCode = 500;
          return json.call(this, { detail: 'Internal Server Error' });
        }
        return json.call(this, body);
      };
      next();
    };
    router[op.method](op.path.replace(/\{([^}]+)\}/g, ':$1'), validate, handlers[op.operationId]);
  }
  const ops = stack.find((l) => l.name === 'operationHandlersMiddleware');
  if (!ops) notApplicable('own-validation: no express-openapi-validator operationHandlersMiddleware layer');
  ops.handle = router;
}
/** A variant that does not fit this build of the app (its composition changed) stops here. */
const notApplicable = (why) => {
  process.stderr.write(`variant not applicable to this build: ${why}\n`);
  process.exit(3);
};
if (ablate.has('lean-log')) {
  const layer = stack.find((l) => l.name === 'result' || l.name === 'loggingMiddleware');
  if (!layer) notApplicable('lean-log: no pino-http layer (the service may already log leanly)');
  // req.log: created only when something logs through it (the error handler does, rarely).
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get() {
      return (this._log ??= logger.child({ reqId: this.id }));
    },
    set(v) {
      this._log = v;
    },
  });
  layer.handle = function leanRequestLogger(req, res, next) {
    const start = Date.now();
    req.id = requestId(req, res);
    res.once('finish', () => {
      const status = res.statusCode;
      const q = req.url.indexOf('?');
      logger[status >= 500 ? 'error' : 'info'](
        {
          reqId: req.id,
          req: { id: req.id, method: req.method, path: q === -1 ? req.url : req.url.slice(0, q) },
          res: { statusCode: status },
          responseTime: Date.now() - start,
        },
        `${req.method} ${status}`,
      );
    });
    next();
  };
}
if (ablate.has('static-headers')) {
  // The API's helmet (mounted at '/'), not the one in front of Swagger UI under /docs.
  const layer = stack.find((l) => l.name === 'helmetMiddleware' && l.slash);
  if (!layer) notApplicable('static-headers: no helmet layer mounted at /');
  const probe = { setHeader: (k, v) => headers.push([k, v]), removeHeader: () => {} };
  const headers = [];
  layer.handle({ headers: {} }, probe, () => {});
  layer.handle = function staticSecurityHeaders(_req, res, next) {
    for (const [k, v] of headers) res.setHeader(k, v);
    res.removeHeader('X-Powered-By');
    next();
  };
}
if (ablate.has('preamble')) {
  // The API preamble (no-cache headers, declared-size check, JSON and form parsers) as one
  // layer, the parsers only called when the request has a body: GET requests make three
  // fewer router hops.
  const at = stack.findIndex((l) => l.name === 'rejectOversizedBody');
  const noCache = stack[at - 1];
  const json = stack.find((l) => l.name === 'jsonParser');
  const form = stack.find((l) => l.name === 'urlencodedParser');
  if (at < 1 || noCache.name !== '<anonymous>' || !json || !form)
    notApplicable('preamble: layers not in the expected order');
  const parseJson = json.handle;
  const parseForm = form.handle;
  const checkSize = stack[at].handle;
  noCache.handle = function apiPreamble(req, res, next) {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) return next();
    checkSize(req, res, (err) => {
      if (err) return next(err);
      parseJson(req, res, (err2) => (err2 ? next(err2) : parseForm(req, res, next)));
    });
  };
  stack.splice(stack.indexOf(form), 1);
  stack.splice(stack.indexOf(json), 1);
  stack.splice(at, 1);
}
for (const name of drop) if (!stack.some((l) => l.name === name)) notApplicable(`no layer named ${name}`);
for (let i = stack.length - 1; i >= 0; i--) if (drop.has(stack[i].name)) stack.splice(i, 1);

const http = createHttpServer(app, logger, { maxHeaderBytes: config.http.maxHeaderBytes, shutdownTimeoutMs: 2000 });
await http.listen(config.port, config.host);
logger.info({ ablate: [...ablate], layers: stack.map((l) => l.name) }, 'ablation server listening');
const stop = () =>
  void http.shutdown().then(() => {
    logger.flush();
    process.exit(0);
  });
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
