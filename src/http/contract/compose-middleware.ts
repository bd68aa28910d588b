import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Runs a chain of middleware as one Express layer: each Express layer costs a pass of the
 * router's path matching and bookkeeping, and a promise handler on whatever it returns, on
 * every request. Used for the validator's pieces (validator.ts) and for the app's few layers
 * (app.ts). The chained middleware report their own asynchronous errors through `next`, so
 * their promises are not awaited here; synchronous throws reach the error handler.
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
