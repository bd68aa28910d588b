import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { memoisedRouteMatch, ROUTE_MATCH_CACHE_SIZE } from '../../src/http/contract/validator';

type Routed = Request & { openapi?: { pathParams: Record<string, string>; [k: string]: unknown } };

/** A stand-in for the validator's metadata layer: counts its runs, matches as told. */
function fakeMetadata() {
  const runs: string[] = [];
  const layer: RequestHandler = (req, _res, next) => {
    runs.push(`${req.method} ${req.originalUrl}`);
    const path = req.originalUrl.split('?')[0] ?? '';
    if (path === '/missing') throw Object.assign(new Error('not found'), { status: 404 });
    if (path === '/refused') {
      next(Object.assign(new Error('method not allowed'), { status: 405 }));
      return;
    }
    const id = /^\/sessions\/([^/]+)$/.exec(path)?.[1];
    const pathParams: Record<string, string> = id === undefined ? {} : { id };
    (req as Routed).openapi = {
      expressRoute: path,
      openApiRoute: path,
      schema: { operationId: `op${path}` },
      pathParams,
    };
    req.params = pathParams;
    next();
  };
  return { layer, runs };
}

function run(handler: RequestHandler, method: string, originalUrl: string) {
  const req = { method, originalUrl, params: {} } as unknown as Routed;
  let error: unknown;
  try {
    void handler(req, {} as Response, ((err?: unknown) => (error = err)) as NextFunction);
  } catch (thrown) {
    error = thrown;
  }
  return { req, error };
}

describe('memoisedRouteMatch: the validator matches a parameterless route once per method and path', () => {
  it('runs the layer once for repeated requests, and gives each a copy with its own pathParams and params', () => {
    const { layer, runs } = fakeMetadata();
    const handler = memoisedRouteMatch(layer);
    const first = run(handler, 'GET', '/protected');
    const second = run(handler, 'GET', '/protected?x=1');
    const third = run(handler, 'GET', '/protected');
    expect(runs).toEqual(['GET /protected']);
    expect(second.req.openapi).toEqual(first.req.openapi);
    expect(second.req.openapi).not.toBe(first.req.openapi);
    expect(second.req.openapi?.pathParams).not.toBe(third.req.openapi?.pathParams);
    expect(second.req.params).toBe(second.req.openapi?.pathParams);
    expect(second.error).toBeUndefined();
  });

  it('tells methods and paths apart', () => {
    const { layer, runs } = fakeMetadata();
    const handler = memoisedRouteMatch(layer);
    for (const [method, url] of [
      ['GET', '/users/me'],
      ['DELETE', '/users/me'],
      ['GET', '/Users/me'],
      ['GET', '/users/me/'],
    ] as const)
      run(handler, method, url);
    expect(runs).toHaveLength(4);
    expect(run(handler, 'DELETE', '/users/me').req.openapi?.schema).toEqual({ operationId: 'op/users/me' });
    expect(runs).toHaveLength(4);
  });

  it('always runs the layer for routes with path parameters, and for requests it refuses', () => {
    const { layer, runs } = fakeMetadata();
    const handler = memoisedRouteMatch(layer);
    expect(run(handler, 'DELETE', '/sessions/a').req.params).toEqual({ id: 'a' });
    expect(run(handler, 'DELETE', '/sessions/a').req.params).toEqual({ id: 'a' });
    expect(run(handler, 'GET', '/missing').error).toMatchObject({ status: 404 });
    expect(run(handler, 'GET', '/missing').error).toMatchObject({ status: 404 });
    expect(run(handler, 'GET', '/refused').error).toMatchObject({ status: 405 });
    expect(run(handler, 'GET', '/refused').error).toMatchObject({ status: 405 });
    expect(runs).toHaveLength(6);
  });

  it(`keeps at most ${ROUTE_MATCH_CACHE_SIZE} pairs, so case variants of a path cannot grow memory`, () => {
    const { layer, runs } = fakeMetadata();
    const handler = memoisedRouteMatch(layer);
    for (let i = 0; i < ROUTE_MATCH_CACHE_SIZE + 10; i++) run(handler, 'GET', `/p${i}`);
    runs.length = 0;
    run(handler, 'GET', '/p0');
    run(handler, 'GET', `/p${ROUTE_MATCH_CACHE_SIZE + 5}`);
    expect(runs).toEqual([`GET /p${ROUTE_MATCH_CACHE_SIZE + 5}`]);
  });
});
