// openapi.yaml routes requests: every operationId maps to one handler. The check runs at
// start-up, so a contract and a handler map that disagree never serve a request.
import type { RequestHandler } from 'express';
import type { Contract } from './contract';

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

interface ResolvedRoute {
  readonly method: string;
  readonly openApiRoute: string;
}

interface ApiDocPaths {
  readonly paths?: Readonly<Record<string, unknown>>;
}

/**
 * express-openapi-validator's `operationHandlers.resolver`: finds the handler for the
 * operationId of the matched route (EOV example 5-custom-operation-resolver).
 */
export function operationResolver(
  handlers: OperationHandlers,
): (basePath: string, route: ResolvedRoute, apiDoc: ApiDocPaths) => RequestHandler {
  return (_basePath, route, apiDoc) => {
    const item = apiDoc.paths?.[route.openApiRoute] as Record<string, { operationId?: string } | undefined> | undefined;
    const operationId = item?.[route.method.toLowerCase()]?.operationId;
    const handler =
      operationId !== undefined && Object.hasOwn(handlers, operationId) ? handlers[operationId] : undefined;
    if (!handler) throw new Error(`no handler for ${route.method} ${route.openApiRoute}`);
    return handler;
  };
}
