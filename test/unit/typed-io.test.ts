import type { Request, Response } from 'express';
import { reply, requestBody } from '../../src/http/contract/typed-io';

const routed = (operationId: string | undefined, body: unknown = {}) =>
  ({ body, openapi: operationId === undefined ? undefined : { schema: { operationId } } }) as unknown as Request;

describe('typed request and response helpers', () => {
  it('read the body of the operation the validator routed the request to', () => {
    expect(requestBody(routed('signup', { username: 'licat' }), 'signup')).toEqual({ username: 'licat' });
  });

  it('refuse a handler wired to another operation, or a request outside the contract', () => {
    expect(() => requestBody(routed('issueToken'), 'signup')).toThrow(
      'the handler for signup was routed a request for issueToken',
    );
    expect(() => requestBody(routed(undefined), 'signup')).toThrow(
      'the handler for signup was routed a request for no operation',
    );
  });

  it('answer with the status and body given, after the same check', () => {
    const sent: unknown[] = [];
    const res = {
      req: routed('getHealth'),
      status(code: number) {
        sent.push(code);
        return this;
      },
      json(body: unknown) {
        sent.push(body);
        return this;
      },
    } as unknown as Response;
    reply(res, 'getHealth', 200, { status: 'ok' });
    expect(sent).toEqual([200, { status: 'ok' }]);
    expect(() => reply(res, 'getReadiness', 200, { status: 'ready' })).toThrow(
      /getReadiness was routed a request for getHealth/,
    );
  });
});
