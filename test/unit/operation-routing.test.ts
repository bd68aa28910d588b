import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { operationDispatcher, useHandlers } from '../../src/http/contract/operation-routing';

const apiDoc = { paths: { '/things': { get: { operationId: 'listThings' }, post: {} } } };

describe('operationDispatcher: the validator resolves routes to operations, each app supplies handlers', () => {
  const resolve = operationDispatcher();

  it('runs the handler of the routed operation from the map of the app the request arrived at', () => {
    const handler = resolve('', { method: 'GET', openApiRoute: '/things' }, apiDoc);
    const ran: string[] = [];
    for (const app of ['first', 'second']) {
      const req = {} as Request;
      useHandlers(req, { listThings: (() => void ran.push(app)) as RequestHandler });
      void handler(req, {} as Response, (() => undefined) as NextFunction);
    }
    expect(ran).toEqual(['first', 'second']);
  });

  it('when the route has no operationId, then start-up fails naming it', () => {
    expect(() => resolve('', { method: 'POST', openApiRoute: '/things' }, apiDoc)).toThrow(
      'no operationId for POST /things',
    );
    expect(() => resolve('', { method: 'GET', openApiRoute: '/elsewhere' }, apiDoc)).toThrow(
      'no operationId for GET /elsewhere',
    );
    expect(() => resolve('', { method: 'GET', openApiRoute: '/things' }, {})).toThrow('no operationId for GET /things');
  });

  it('when a request carries no handler for its operation, then it fails into the error handler, not a crash', () => {
    const handler = resolve('', { method: 'GET', openApiRoute: '/things' }, apiDoc);
    const errors: unknown[] = [];
    void handler({} as Request, {} as Response, ((err: unknown) => errors.push(err)) as NextFunction);
    const req = {} as Request;
    useHandlers(req, { otherThing: (() => undefined) as RequestHandler });
    void handler(req, {} as Response, ((err: unknown) => errors.push(err)) as NextFunction);
    expect(errors).toEqual([new Error('no handler for listThings'), new Error('no handler for listThings')]);
  });
});
