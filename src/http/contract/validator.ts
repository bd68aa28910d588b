// express-openapi-validator over the contract: request and response validation, and routing
// of each operationId to its handler. Installed as one Express layer (see compose-middleware).
import type { RequestHandler } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import type { Contract } from './contract';
import { composeMiddleware } from './compose-middleware';
import { checkHandlers, operationResolver, type OperationHandlers } from './operation-routing';
import { memoiseValidatorRouteMatchers } from './validator-route-cache';

export interface ContractValidatorOptions {
  readonly validateResponses: boolean;
  /** Multipart limits, the same as the JSON and form parsers'. */
  readonly bodyLimitBytes: number;
}

/** Throws at start-up when the handler map and the contract's operations disagree. */
export function contractValidator(
  contract: Contract,
  handlers: OperationHandlers,
  { validateResponses, bodyLimitBytes }: ContractValidatorOptions,
): RequestHandler {
  checkHandlers(contract, handlers);
  memoiseValidatorRouteMatchers();
  return composeMiddleware(
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
      operationHandlers: { basePath: '', resolver: operationResolver(handlers) },
    }),
  );
}
