// express-openapi-validator over the contract: request and response validation, and routing
// of each operationId to its handler. Installed as one Express layer (see compose-middleware).
import type { ErrorRequestHandler, RequestHandler } from 'express';
import * as OpenApiValidatorModule from 'express-openapi-validator';
import { OpenApiContext } from 'express-openapi-validator/dist/framework/openapi.context';
import { OpenApiSpecLoader } from 'express-openapi-validator/dist/framework/openapi.spec.loader';
import type { OpenAPIV3, OpenApiValidatorOpts } from 'express-openapi-validator/dist/framework/types';
import * as middlewares from 'express-openapi-validator/dist/middlewares';
import { SchemaPreprocessor } from 'express-openapi-validator/dist/middlewares/parsers/schema.preprocessor';
import { OpenApiValidator } from 'express-openapi-validator/dist/openapi.validator';
import type { Contract } from './contract';
import { composeMiddleware } from './compose-middleware';
import { checkHandlers, operationDispatch, type OperationHandlers } from './operation-routing';
import { taggedOneOfBodies, variantErrors, type TaggedOneOf } from './one-of-variants';
import { routedOperationId } from './typed-io';
import { compileSpecSchemaOnDemand } from './spec-schema-on-demand';
import { memoiseValidatorRouteMatchers } from './validator-route-cache';
import { validatorKeyword, type ValidatorError } from '../fastapi-detail';
import { UnsupportedMediaTypeError } from '../http-errors';

export interface ContractValidatorOptions {
  readonly validateResponses: boolean;
  /** Multipart limits, the same as the JSON and form parsers'. */
  readonly bodyLimitBytes: number;
}

/** The library's pieces that installMiddleware() assembles, built once the contract is loaded. */
interface ValidatorParts {
  readonly metadata: RequestHandler;
  readonly multipart: RequestHandler;
  readonly requestValidation: RequestHandler;
  readonly responseValidation: RequestHandler | undefined;
}

/**
 * express-openapi-validator's own middleware, run without its per-request promise hops.
 *
 * `OpenApiValidator.middleware()` returns seven layers, and each one, on every request, waits
 * on the promise of the loaded contract (`pContext.then(...)`) before doing its work: seven
 * microtask hops per request, plus a second route match in the Express router it builds for
 * `operationHandlers`. Here the contract is loaded once (on first use, or `await
 * validatorReady()` at start-up), and the same pieces the library would install run in one
 * synchronous chain (compose-middleware.ts): its metadata layer (route match, 404/405), its
 * multipart parser, its request validator, its response validator (res.json hook), and then
 * the handler of the operationId the metadata layer matched. The security layer is left out,
 * as before: `validateSecurity` is off (the handlers verify tokens and answer RFC 6750's
 * challenge). The options are the library's, normalised by its own `OpenApiValidator`.
 */
async function buildParts(contract: Contract, options: OpenApiValidatorOpts): Promise<ValidatorParts> {
  const oav = new OpenApiValidator(options);
  // The contract was checked at build time or by loadContract(): loading it here need not
  // compile the OpenAPI meta-schema again (spec-schema-on-demand.ts).
  compileSpecSchemaOnDemand();
  const spec = await new OpenApiSpecLoader({
    // The loader and the preprocessor change the document they are given.
    apiDoc: structuredClone(contract.document),
    validateApiSpec: false,
    $refParser: options.$refParser,
  }).load();
  const { apiDocRes } = new SchemaPreprocessor(
    spec.apiDoc,
    oav.ajvOpts.preprocessor,
    // The library passes `false` here too when responses are not validated.
    oav.options.validateResponses as ConstructorParameters<typeof SchemaPreprocessor>[2],
  ).preProcess();
  const context = new OpenApiContext(
    spec,
    // Unset, as the library passes it: no path is ignored.
    oav.options.ignorePaths as ConstructorParameters<typeof OpenApiContext>[1],
    oav.options.ignoreUndocumented,
    oav.options.useRequestUrl,
  );
  const requestValidator = new middlewares.RequestValidator(context.apiDoc, oav.ajvOpts.request);
  const skip = operationsWithNothingToValidate(contract);
  return {
    metadata: middlewares.applyOpenApiMetadata(context, apiDocRes) as RequestHandler,
    multipart: middlewares.multipart(context.apiDoc, {
      multerOpts: oav.options.fileUploader,
      ajvOpts: oav.ajvOpts.multipart,
    }) as RequestHandler,
    requestValidation: (req, res, next) => {
      const operationId = routedOperationId(req);
      if (operationId !== undefined && skip.has(operationId)) {
        next();
        return;
      }
      // Its errors reach `next`; the returned promise carries nothing more.
      void requestValidator.validate(req, res, next);
    },
    responseValidation: oav.options.validateResponses
      ? new middlewares.ResponseValidator(
          apiDocRes,
          oav.ajvOpts.response,
          oav.options.validateResponses,
          context.serial,
        ).validate()
      : undefined,
  };
}

interface RouteMatch {
  readonly pathParams: Record<string, string>;
  readonly [field: string]: unknown;
}

/** Distinct (method, path) pairs remembered per app: enough for every route, and bounded. */
export const ROUTE_MATCH_CACHE_SIZE = 256;

/**
 * The validator's metadata layer, remembered per method and path. On every request it
 * matches the path against every route of the contract in turn (a path-to-regexp match each,
 * with the app's settings read again for each), then records the match as `req.openapi` and
 * `req.params`. For a route without path parameters the outcome depends only on the method and
 * the path (the app's routing settings are fixed), so the first request's match is kept and
 * later requests get a copy of it, with fresh `pathParams` and `params` objects as the layer
 * makes them. Requests it refuses (404, 405, a malformed path) and routes with parameters
 * always run the layer, and at most ROUTE_MATCH_CACHE_SIZE pairs are kept (the path is the
 * raw one, so case and trailing-slash variants are pairs of their own).
 */
export function memoisedRouteMatch(metadata: RequestHandler): RequestHandler {
  const matches = new Map<string, RouteMatch>();
  return (req, res, next) => {
    const url = req.originalUrl;
    const q = url.indexOf('?');
    const key = `${req.method} ${q === -1 ? url : url.slice(0, q)}`;
    const known = matches.get(key);
    const routed = req as typeof req & { openapi?: RouteMatch };
    if (known !== undefined) {
      const pathParams = {};
      routed.openapi = { ...known, pathParams };
      req.params = pathParams;
      next();
      return;
    }
    void metadata(req, res, (err?: unknown) => {
      const match = routed.openapi;
      if (
        err === undefined &&
        match !== undefined &&
        Object.keys(match.pathParams).length === 0 &&
        matches.size < ROUTE_MATCH_CACHE_SIZE
      )
        matches.set(key, { ...match });
      next(err);
    });
  };
}

/**
 * Operations whose requests carry nothing the contract constrains: no parameters (on the
 * operation or its path) and no request body. The request validator cannot fail for them (it
 * would check an empty parameter set and no body), so it is not run: GET /protected is one.
 */
export function operationsWithNothingToValidate(contract: Contract): ReadonlySet<string> {
  const { document } = contract;
  const none = new Set<string>();
  for (const { operationId, method, path } of contract.operations) {
    const item = document.paths[path] as OpenAPIV3.PathItemObject & Record<string, OpenAPIV3.OperationObject>;
    const op = item[method];
    if (op && !op.requestBody && (op.parameters ?? []).length === 0 && (item.parameters ?? []).length === 0)
      none.add(operationId);
  }
  return none;
}

/** Prepared validators per contract and options, shared by every app built from them. */
const prepared = new WeakMap<Contract, Map<string, Promise<ValidatorParts>>>();

function validatorOptions(
  contract: Contract,
  { validateResponses, bodyLimitBytes }: ContractValidatorOptions,
): OpenApiValidatorOpts {
  return {
    apiSpec: contract.document,
    // Checked once at start-up by loadContract(); not again on the first request.
    validateApiSpec: false,
    // As FastAPI: report every bad field at once, and ignore unknown query parameters
    // (clients of the original may send some).
    validateRequests: { allowUnknownQueryParameters: true, allErrors: true },
    validateResponses,
    // Bearer tokens are verified by the handlers: the validator's check neither verifies
    // them nor sends the WWW-Authenticate challenge RFC 6750 §3 requires.
    validateSecurity: false,
    fileUploader: { limits: { fieldSize: bodyLimitBytes, fields: 20, files: 0, parts: 20 } },
  };
}

function preparedParts(contract: Contract, options: ContractValidatorOptions): Promise<ValidatorParts> {
  const key = `${options.validateResponses}:${options.bodyLimitBytes}`;
  let byOptions = prepared.get(contract);
  if (!byOptions) prepared.set(contract, (byOptions = new Map<string, Promise<ValidatorParts>>()));
  let parts = byOptions.get(key);
  if (!parts) byOptions.set(key, (parts = buildParts(contract, validatorOptions(contract, options))));
  return parts;
}

/**
 * Loads the validator's view of the contract now, so the first request does not wait for it.
 * Rejects when the library cannot load the contract.
 */
export async function validatorReady(contract: Contract, options: ContractValidatorOptions): Promise<void> {
  await preparedParts(contract, options);
}

/**
 * The validator over the contract, and behind it the error layers that narrow failed tagged
 * oneOf bodies and name the media types an operation accepts; install all three, in this
 * order. Throws at start-up when the handler map and the contract's operations disagree.
 */
export function contractValidator(
  contract: Contract,
  handlers: OperationHandlers,
  options: ContractValidatorOptions,
): [RequestHandler, ErrorRequestHandler, ErrorRequestHandler] {
  checkHandlers(contract, handlers);
  memoiseValidatorRouteMatchers();
  const dispatch = operationDispatch(handlers);
  const parts = preparedParts(contract, options);
  let chain: RequestHandler | undefined;
  void parts.then(
    (p) =>
      (chain = composeMiddleware([
        memoisedRouteMatch(p.metadata),
        p.multipart,
        p.requestValidation,
        ...(p.responseValidation ? [p.responseValidation] : []),
        dispatch,
      ])),
    // Reported to the request that waits for it, below.
    () => undefined,
  );
  return [
    (req, res, next) => {
      if (chain) chain(req, res, next);
      else parts.then(() => chain?.(req, res, next), next);
    },
    oneOfNarrowing(contract, taggedOneOfBodies(contract.document)),
    mediaTypeNaming(requestMediaTypes(contract)),
  ];
}

interface ValidationFailure {
  status?: number;
  errors?: ValidatorError[];
}

/**
 * An error layer: a failed tagged oneOf (one-of-variants.ts) goes on narrowed to the variant
 * the body names, its errors alone or UnknownVariantError; any other error goes on as it is.
 * Express calls it only for errors, so requests that pass cost nothing here.
 */
function oneOfNarrowing(contract: Contract, tagged: ReadonlyMap<string, TaggedOneOf>): ErrorRequestHandler {
  return (err: unknown, req, _res, next) => {
    const failure = err as ValidationFailure | undefined;
    const operationId = routedOperationId(req);
    const oneOf = operationId === undefined ? undefined : tagged.get(operationId);
    if (
      oneOf === undefined ||
      failure?.status !== 400 ||
      !failure.errors?.some((e) => validatorKeyword(e) === 'oneOf')
    ) {
      next(err);
      return;
    }
    try {
      failure.errors = [...variantErrors(contract.document, oneOf, req.body, failure.errors)];
      next(failure);
    } catch (unknownVariant) {
      next(unknownVariant);
    }
  };
}

/** The media types each operation's request body may come in, in the contract's order. */
export function requestMediaTypes(contract: Contract): Map<string, readonly string[]> {
  const { document } = contract;
  const byOperation = new Map<string, readonly string[]>();
  for (const { operationId, method, path } of contract.operations) {
    const op = (document.paths[path] as Record<string, OpenAPIV3.OperationObject>)[method];
    let body = op?.requestBody;
    if (body && '$ref' in body) body = document.components?.requestBodies?.[body.$ref.split('/').pop() ?? ''];
    if (body && 'content' in body) byOperation.set(operationId, Object.keys(body.content));
  }
  return byOperation;
}

/**
 * An error layer: the validator's 415 goes on as UnsupportedMediaTypeError naming what the
 * operation accepts (the error handler words it); any other error goes on as it is.
 */
function mediaTypeNaming(accepted: ReadonlyMap<string, readonly string[]>): ErrorRequestHandler {
  return (err: unknown, req, _res, next) => {
    const operationId = routedOperationId(req);
    const types = operationId === undefined ? undefined : accepted.get(operationId);
    next(
      err instanceof OpenApiValidatorModule.error.UnsupportedMediaType && types
        ? new UnsupportedMediaTypeError(types)
        : err,
    );
  };
}
