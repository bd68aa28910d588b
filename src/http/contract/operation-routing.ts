// openapi.yaml routes requests: every operationId maps to one handler. The check runs at
// start-up, so a contract and a handler map that disagree never serve a request.
import type { RequestHandler } from 'express';
import type { Contract } from './contract';
import { routedOperationId } from './typed-io';

export type OperationHandlers = Readonly<Record<string, RequestHandler>>;

/** Fails start-up unless handlers and contract operations match one to one. */
export function checkHandlers(contract: Contract, handlers: OperationHandlers): void {
  const declared = new Set(contract.operations.map((o) => o.operationId));
  const missing = [...declared].filter((id) => !Object.hasOwn(handlers, id));
  const extra = Object.keys(handlers).filter((id) => !declared.has(id));
  const problems = [
    ...(missing.length > 0 ? [`no handler for ${missing.join(', ')}`] : []),
    ...(extra.length > 0 ? [`no operation for ${extra.join(', ')}`] : []),
  ];
  if (problems.length > 0) throw new Error(`openapi.yaml and the handler map disagree: ${problems.join('; ')}`);
}

/**
 * The last link of the validator's chain (validator.ts): runs the handler of the operationId
 * express-openapi-validator matched the request to. A request it matched to no operation has
 * already been answered 404 or 405 by then; one that still arrives here goes on to the
 * not-found handler. A handler's rejected promise reaches the error handler, as Express does it.
 */
export function operationDispatch(handlers: OperationHandlers): RequestHandler {
  return (req, res, next) => {
    const operationId = routedOperationId(req);
    const handler =
      operationId !== undefined && Object.hasOwn(handlers, operationId) ? handlers[operationId] : undefined;
    if (!handler) {
      next();
      return;
    }
    const returned = handler(req, res, next);
    if (typeof (returned as PromiseLike<unknown> | undefined)?.then === 'function')
      (returned as PromiseLike<unknown>).then(undefined, (err: unknown) => next(err ?? new Error('Rejected promise')));
  };
}
