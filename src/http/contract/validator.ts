// express-openapi-validator over the contract: request and response validation, and routing
// of each operationId to its handler. Installed as one Express layer (see compose-middleware).
import type { ErrorRequestHandler, RequestHandler } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import type { OpenAPIV3 } from 'express-openapi-validator/dist/framework/types';
import type { Contract } from './contract';
import { composeMiddleware } from './compose-middleware';
import { checkHandlers, operationDispatcher, useHandlers, type OperationHandlers } from './operation-routing';
import { taggedOneOfBodies, variantErrors, type TaggedOneOf } from './one-of-variants';
import { routedOperationId } from './typed-io';
import { memoiseValidatorRouteMatchers } from './validator-route-cache';
import { validatorKeyword, type ValidatorError } from '../fastapi-detail';
import { UnsupportedMediaTypeError } from '../http-errors';

export interface ContractValidatorOptions {
  readonly validateResponses: boolean;
  /** Multipart limits, the same as the JSON and form parsers'. */
  readonly bodyLimitBytes: number;
}

/**
 * Compiled validators per contract and options. express-openapi-validator compiles a JSON
 * schema validator for every request and response it checks; the handler map is looked up
 * per request (operationDispatcher), so apps built from one contract in one process (tests
 * build hundreds) share one compiled set instead of each compiling its own.
 */
const compiled = new WeakMap<Contract, Map<string, RequestHandler>>();

function compiledValidator(
  contract: Contract,
  { validateResponses, bodyLimitBytes }: ContractValidatorOptions,
): RequestHandler {
  const key = `${validateResponses}:${bodyLimitBytes}`;
  let byOptions = compiled.get(contract);
  if (!byOptions) compiled.set(contract, (byOptions = new Map<string, RequestHandler>()));
  let validator = byOptions.get(key);
  if (!validator) {
    validator = composeMiddleware(
      OpenApiValidator.middleware({
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
        // Stryker disable next-line StringLiteral: a custom resolver receives basePath and ignores it.
        operationHandlers: { basePath: '', resolver: operationDispatcher() },
      }),
    );
    byOptions.set(key, validator);
  }
  return validator;
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
  const validator = compiledValidator(contract, options);
  return [
    (req, res, next) => {
      useHandlers(req, handlers);
      validator(req, res, next);
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
      err instanceof OpenApiValidator.error.UnsupportedMediaType && types ? new UnsupportedMediaTypeError(types) : err,
    );
  };
}
