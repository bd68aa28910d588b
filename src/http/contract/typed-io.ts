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

/** The operation express-openapi-validator routed `req` to, if it matched one. */
export const routedOperationId = (req: Request): string | undefined =>
  (req as { openapi?: { schema?: { operationId?: string } } }).openapi?.schema?.operationId;

/**
 * The types above are only as good as the routing: a handler wired to another operation
 * would read and answer with the wrong shapes. express-openapi-validator records the
 * operation it routed a request to; this checks it is the one the handler names.
 */
function assertRoutedTo(req: Request, operation: OperationId): void {
  const routed = routedOperationId(req);
  if (routed !== operation) {
    throw new Error(`the handler for ${operation} was routed a request for ${routed ?? 'no operation'}`);
  }
}

/**
 * The body of a request to `Op`. express-openapi-validator has checked it against the
 * contract before any handler runs, so this is the one place that asserts its type.
 */
export function requestBody<Op extends OperationId>(req: Request, operation: Op): RequestBody<Op> {
  assertRoutedTo(req, operation);
  return req.body as RequestBody<Op>;
}

/** Answers `Op` with `status` and a body of the type the contract declares for it. */
export function reply<Op extends OperationId, S extends JsonStatus<Op>>(
  res: Response,
  operation: Op,
  status: S,
  body: JsonResponse<Op, S>,
): void {
  assertRoutedTo(res.req, operation);
  res.status(status).json(body);
}

/** The statuses `Op` declares without a body (204). */
export type EmptyStatus<Op extends OperationId> = {
  [S in keyof Responses<Op>]: Responses<Op>[S] extends { content?: never } ? S : never;
}[keyof Responses<Op>] &
  number;

/** Answers `Op` with a status the contract declares without a body. */
export function replyEmpty<Op extends OperationId>(res: Response, operation: Op, status: EmptyStatus<Op>): void {
  assertRoutedTo(res.req, operation);
  res.status(status).end();
}

/** The path parameters of `Op`, checked against the contract by the validator. */
export type PathParams<Op extends OperationId> =
  Operation<Op> extends { readonly parameters: { readonly path: infer P } } ? P : never;

export function pathParams<Op extends OperationId>(req: Request, operation: Op): PathParams<Op> {
  assertRoutedTo(req, operation);
  return req.params as PathParams<Op>;
}
