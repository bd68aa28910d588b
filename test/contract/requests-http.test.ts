// requests.http, kept honest: every request in it is sent, in order and as written, to the
// app, and must get the status its `# expect:` comment states; together they must call every
// operation of openapi.yaml, so a new endpoint without an example there fails here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { parseHttpFile, resolve, selectJson, type HttpFile, type HttpRequest } from '../helpers/http-file';
import { ROOT } from '../helpers/service-process';
import { buildTestApp, sharedContract } from '../helpers/test-app';

const file = parseHttpFile(readFileSync(path.join(ROOT, 'requests.http'), 'utf8'));

function send(app: Express, method: string, url: string) {
  const agent = request(app);
  switch (method) {
    case 'GET':
      return agent.get(url);
    case 'POST':
      return agent.post(url);
    case 'PUT':
      return agent.put(url);
    case 'PATCH':
      return agent.patch(url);
    case 'DELETE':
      return agent.delete(url);
    default:
      throw new Error(`no example should use ${method}`);
  }
}

interface Outcome {
  readonly request: string;
  readonly status: number;
  readonly body?: string;
}

/** Sends every request of `http` in order; returns, per request, what it got against what it expects. */
async function sendAll(app: Express, http: HttpFile): Promise<Array<{ got: Outcome; expected: Outcome }>> {
  const responses = new Map<string, unknown>();
  const results: Array<{ got: Outcome; expected: Outcome }> = [];
  for (const r of http.requests) {
    const label = `requests.http:${r.line} ${r.title}`;
    const target = new URL(resolve(r.url, http.variables, responses));
    let pending = send(app, r.method, target.pathname + target.search);
    for (const [name, value] of r.headers) pending = pending.set(name, resolve(value, http.variables, responses));
    const res = await (r.body === undefined ? pending : pending.send(resolve(r.body, http.variables, responses)));
    if (r.name) responses.set(r.name, res.body);
    const expected = { request: label, status: r.expectedStatus ?? -1 };
    // The answer's body only when the status is wrong, so the failure says why.
    results.push({
      got:
        res.status === expected.status
          ? { request: label, status: res.status }
          : { ...expected, status: res.status, body: res.text },
      expected,
    });
    if (res.status !== expected.status) break;
  }
  return results;
}

/** The operation of `contract` a request calls, by method and path template. */
function operationOf(r: HttpRequest, operations: ReadonlyArray<{ operationId: string; method: string; path: string }>) {
  const pathname = new URL(r.url.replace(/\{\{[^}]+\}\}/g, (ref) => (ref === '{{host}}' ? 'http://h' : 'x'))).pathname;
  return operations.find(
    (op) =>
      op.method.toUpperCase() === r.method && new RegExp(`^${op.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(pathname),
  )?.operationId;
}

describe('requests.http', () => {
  it('states the status it expects above every request', () => {
    expect(file.requests.length).toBeGreaterThan(0);
    expect(file.requests.filter((r) => r.expectedStatus === undefined).map((r) => `line ${r.line}`)).toEqual([]);
  });

  it('calls every operation of openapi.yaml at least once, and nothing else', async () => {
    const { operations } = await sharedContract();
    const called = file.requests.map((r) => ({ line: r.line, operationId: operationOf(r, operations) }));
    expect(called.filter((c) => c.operationId === undefined)).toEqual([]);
    const missing = operations.map((op) => op.operationId).filter((id) => !called.some((c) => c.operationId === id));
    expect(missing).toEqual([]);
  });

  it('when every request is sent in order as written, each gets the status it states; and again, since it deletes its account', async () => {
    const { app } = await buildTestApp();
    for (let round = 1; round <= 2; round++) {
      const results = await sendAll(app, file);
      expect(results.map((r) => r.got)).toEqual(results.map((r) => r.expected));
      expect(results).toHaveLength(file.requests.length);
    }
  });
});

describe('reading an HTTP request file', () => {
  const sample = [
    '@host = http://localhost:8000',
    '@who = {{name}}',
    '@name = licat',
    '',
    '### first',
    '# @name login',
    '# expect: 200',
    'POST {{host}}/token HTTP/1.1',
    'Content-Type: application/x-www-form-urlencoded',
    '',
    'username={{who}}',
    '',
    '###',
    'GET {{host}}/sessions/{{login.response.body.$.sessions[?(@.current==false)].id}}',
    'Authorization: Bearer {{login.response.body.access_token}}',
  ].join('\n');

  it('parses requests, headers, bodies, names and expected statuses', () => {
    const parsed = parseHttpFile(sample);
    expect(parsed.variables).toEqual({ host: 'http://localhost:8000', who: '{{name}}', name: 'licat' });
    expect(parsed.requests).toEqual([
      {
        line: 8,
        title: 'first',
        name: 'login',
        expectedStatus: 200,
        method: 'POST',
        url: '{{host}}/token',
        headers: [['Content-Type', 'application/x-www-form-urlencoded']],
        body: 'username={{who}}',
      },
      expect.objectContaining({ line: 14, name: undefined, expectedStatus: undefined, method: 'GET', body: undefined }),
    ]);
  });

  it('resolves variables and fields of named answers, and refuses what it cannot resolve', () => {
    const { variables, requests } = parseHttpFile(sample);
    const answers = new Map<string, unknown>([
      [
        'login',
        {
          access_token: 'eyJ.a.b',
          sessions: [
            { id: 'mine', current: true },
            { id: 'other', current: false },
          ],
        },
      ],
    ]);
    expect(resolve(requests[0]?.body ?? '', variables, answers)).toBe('username=licat');
    expect(resolve(requests[1]?.url ?? '', variables, answers)).toBe('http://localhost:8000/sessions/other');
    expect(resolve(requests[1]?.headers[0]?.[1] ?? '', variables, answers)).toBe('Bearer eyJ.a.b');
    expect(selectJson({ a: [{ b: 1 }] }, '$.a[0]')).toEqual({ b: 1 });
    expect(() => resolve('{{nobody}}', variables, answers)).toThrow('no such variable');
    expect(() => resolve('{{phone.response.body.$.x}}', variables, answers)).toThrow('no answer');
    expect(() => resolve('{{login.response.body.$.missing}}', variables, answers)).toThrow('selects nothing');
  });
});
