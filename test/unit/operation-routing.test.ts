import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { operationDispatch } from '../../src/http/contract/operation-routing';

/** A request the validator matched to `operationId` (its metadata layer sets req.openapi). */
const routedTo = (operationId?: string) =>
  ({ openapi: operationId === undefined ? {} : { schema: { operationId } } }) as unknown as Request;

describe('operationDispatch: the validator matches the operation, the app supplies its handler', () => {
  it('runs the handler of the matched operation, from the map it was given', () => {
    const ran: string[] = [];
    const dispatch = operationDispatch({
      listThings: (() => void ran.push('list')) as RequestHandler,
      addThing: (() => void ran.push('add')) as RequestHandler,
    });
    void dispatch(routedTo('addThing'), {} as Response, (() => ran.push('next')) as NextFunction);
    void dispatch(routedTo('listThings'), {} as Response, (() => ran.push('next')) as NextFunction);
    expect(ran).toEqual(['add', 'list']);
  });

  it('when the request matched no operation (or one without a handler), then it goes on to the not-found handler', () => {
    const calls: unknown[][] = [];
    const dispatch = operationDispatch({ listThings: (() => undefined) as RequestHandler });
    for (const req of [routedTo(undefined), routedTo('otherThing'), routedTo('toString'), {} as Request])
      void dispatch(req, {} as Response, ((...args: unknown[]) => calls.push(args)) as NextFunction);
    expect(calls).toEqual([[], [], [], []]);
  });

  it("when a handler's promise rejects, then the error reaches the error handler", async () => {
    const failure = new Error('store down');
    const errors: unknown[] = [];
    const dispatch = operationDispatch({
      fails: () => Promise.reject(failure),
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a handler may reject with nothing
      rejectsWithNothing: () => Promise.reject(undefined),
      succeeds: () => Promise.resolve(),
    });
    for (const id of ['fails', 'rejectsWithNothing', 'succeeds'])
      void dispatch(routedTo(id), {} as Response, ((err: unknown) => errors.push(err)) as NextFunction);
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toEqual([failure, new Error('Rejected promise')]);
  });
});
