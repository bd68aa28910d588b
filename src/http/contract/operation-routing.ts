// openapi.yaml routes requests: every operationId maps to one handler. The check runs at
// start-up, so a contract and a handler map that disagree never serve a request.
import type { Request, RequestHandler } from 'express';
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

const HANDLERS = Symbol('operationHandlers');
type RoutedRequest = Request & { [HANDLERS]?: OperationHandlers };

/** Gives `req` the handler map of the app it arrived at (see operationDispatcher). */
export function useHandlers(req: Request, handlers: OperationHandlers): void {
  (req as RoutedRequest)[HANDLERS] = handlers;
}

/**
 * express-openapi-validator's `operationHandlers.resolver` (EOV example
 * 5-custom-operation-resolver). It resolves each route to its operationId once, and returns a
 * handler that runs that operation's handler from the map of the app the request arrived at.
 * So one compiled validator can serve every app built from the same contract in a process.
 */
export function operationDispatcher(): (basePath: string, route: ResolvedRoute, apiDoc: ApiDocPaths) => RequestHandler {
  return (_basePath, route, apiDoc) => {
    const item = apiDoc.paths?.[route.openApiRoute] as Record<string, { operationId?: string } | undefined> | undefined;
    const operationId = item?.[route.method.toLowerCase()]?.operationId;
    if (operationId === undefined) throw new Error(`no operationId for ${route.method} ${route.openApiRoute}`);
    return (req, res, next) => {
      const handlers = (req as RoutedRequest)[HANDLERS];
      const handler = handlers && Object.hasOwn(handlers, operationId) ? handlers[operationId] : undefined;
      if (!handler) {
        next(new Error(`no handler for ${operationId}`));
        return;
      }
      return handler(req, res, next);
    };
  };
}
