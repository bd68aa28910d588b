import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Runs a chain of middleware as one Express layer. express-openapi-validator installs seven
 * layers, each returning a promise; as separate layers each costs a pass of the router's
 * bookkeeping and a promise handler Express attaches to the returned value, on every request.
 * The validator's layers catch their own errors (`.catch(next)`), so their promises are not
 * awaited here; synchronous throws still reach the error handler.
 */
export function composeMiddleware(middlewares: readonly RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let index = 0;
    const step = (err?: unknown): void => {
      if (err !== undefined && err !== null) {
        next(err);
        return;
      }
      const middleware = middlewares[index++];
      if (!middleware) {
        next();
        return;
      }
      try {
        void middleware(req, res, step);
      } catch (thrown) {
        next(thrown);
      }
    };
    step();
  };
}
