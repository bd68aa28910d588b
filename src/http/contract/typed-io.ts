// Request and response types taken from openapi.yaml (openapi-typescript generates
// openapi-types.ts; `npm run lint` fails when it is stale). Handlers read and answer through
// these helpers instead of hand-written interfaces.
import type { Request, Response } from 'express';
import type { operations } from './openapi-types';

export type OperationId = keyof operations;

type Operation<Op extends OperationId> = operations[Op];

/** The request body of `Op`, in whichever media type it arrived (the schemas agree). */
export type RequestBody<Op extends OperationId> =
  Operation<Op> extends { readonly requestBody: { readonly content: infer C } } ? C[keyof C] : never;

type Responses<Op extends OperationId> = Operation<Op>['responses'];

/** The statuses `Op` declares with a JSON body. */
export type JsonStatus<Op extends OperationId> = {
  [S in keyof Responses<Op>]: Responses<Op>[S] extends { content: { readonly 'application/json': unknown } }
    ? S
    : never;
}[keyof Responses<Op>] &
  number;

export type JsonResponse<Op extends OperationId, S extends JsonStatus<Op>> = Responses<Op>[S] extends {
  content: { readonly 'application/json': infer B };
}
  ? B
  : never;

/**
 * The body of a request to `Op`. express-openapi-validator has checked it against the
 * contract before any handler runs, so this is the one place that asserts its type.
 */
export const requestBody = <Op extends OperationId>(req: Request, _operation: Op): RequestBody<Op> =>
  req.body as RequestBody<Op>;

/** Answers `Op` with `status` and a body of the type the contract declares for it. */
export function reply<Op extends OperationId, S extends JsonStatus<Op>>(
  res: Response,
  _operation: Op,
  status: S,
  body: JsonResponse<Op, S>,
): void {
  res.status(status).json(body);
}
