import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { composeMiddleware } from '../../src/http/contract/compose-middleware';

const run = (middlewares: RequestHandler[]): unknown[] => {
  const calls: unknown[] = [];
  composeMiddleware(middlewares)(
    {} as Request,
    {} as Response,
    ((err?: unknown) => calls.push(err === undefined ? 'next()' : err)) as NextFunction,
  );
  return calls;
};

describe('composeMiddleware: a chain of middleware as one Express layer', () => {
  it('runs every middleware in order, then calls next() once', () => {
    const order: number[] = [];
    const calls = run([(_q, _s, next) => (order.push(1), next()), (_q, _s, next) => (order.push(2), next())]);
    expect(order).toEqual([1, 2]);
    expect(calls).toEqual(['next()']);
  });

  it('with no middleware, calls next() at once', () => {
    expect(run([])).toEqual(['next()']);
  });

  it('when a middleware passes an error, then the rest are skipped and the error reaches next', () => {
    const boom = new Error('boom');
    let reached = false;
    const calls = run([(_q, _s, next) => next(boom), () => (reached = true)]);
    expect(calls).toEqual([boom]);
    expect(reached).toBe(false);
  });

  it('treats next(null) as success, as Express does', () => {
    const calls = run([(_q, _s, next) => next(null), (_q, _s, next) => next()]);
    expect(calls).toEqual(['next()']);
  });

  it('when a middleware throws synchronously, then the error reaches next', () => {
    const boom = new Error('thrown');
    expect(
      run([
        () => {
          throw boom;
        },
      ]),
    ).toEqual([boom]);
  });

  it('when a middleware ends the response without next, then nothing else runs', () => {
    let reached = false;
    expect(run([() => undefined, () => (reached = true)])).toEqual([]);
    expect(reached).toBe(false);
  });
});
