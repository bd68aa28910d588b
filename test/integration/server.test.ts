// The listening server around the app: protocol-level errors and graceful shutdown.
import http from 'node:http';
import express from 'express';
import request from 'supertest';
import { MemoryUserStore } from '../../src/data-access/memory-user-store';
import type { User } from '../../src/domain/user-store';
import { createHttpServer, type HttpServer } from '../../src/http/server';
import { signup } from '../helpers/accounts';
import { token } from '../helpers/http-client';
import { rawRequest } from '../helpers/raw-http';
import { buildTestApp, type TestApp } from '../helpers/test-app';

async function listening(t: TestApp, shutdownTimeoutMs = 5000): Promise<{ http: HttpServer; port: number }> {
  const http = createHttpServer(t.app, t.deps.logger, { maxHeaderBytes: 8192, lameDuckMs: 0, shutdownTimeoutMs });
  const port = await http.listen(0, '127.0.0.1');
  return { http, port };
}

describe('protocol errors get JSON answers, not resets', () => {
  let t: TestApp;
  let server: { http: HttpServer; port: number };
  beforeAll(async () => {
    t = await buildTestApp();
    server = await listening(t);
  });
  afterAll(async () => {
    await server.http.shutdown();
  });

  it('when the headers exceed MAX_HEADER_BYTES, then 431 with a JSON body', async () => {
    const raw = await rawRequest(
      server.port,
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(10_000)}\r\n\r\n`,
    );
    expect(raw).toMatch(/^HTTP\/1\.1 431 /);
    expect(raw).toContain('Content-Type: application/json');
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toEqual({ detail: 'Request header fields too large' });
  });

  it('when the headers are just under MAX_HEADER_BYTES, then they are accepted', async () => {
    const raw = await rawRequest(
      server.port,
      `GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: ${'a'.repeat(7_000)}\r\n\r\n`,
    );
    expect(raw).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('then slow clients are bounded: headers within 20 s, a request within 30 s; idle keep-alive 65 s', () => {
    expect(server.http.server.headersTimeout).toBe(20_000);
    expect(server.http.server.requestTimeout).toBe(30_000);
    expect(server.http.server.keepAliveTimeout).toBe(65_000);
  });

  it('when a client is too slow to send its request, then 408 with a JSON body, and the log names the code', () => {
    const written: string[] = [];
    const socket = {
      writable: true,
      end: (text: string) => written.push(text),
      destroy: () => written.push('destroyed'),
    };
    server.http.server.emit(
      'clientError',
      Object.assign(new Error('timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }),
      socket,
    );
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(
      /^HTTP\/1\.1 408 Request Timeout\r\nContent-Type: application\/json\r\nContent-Length: 28\r\nConnection: close\r\n\r\n/,
    );
    expect(written[0]).toMatch(/\{"detail":"Request timeout"\}$/);
    expect(t.logs.entries()).toEqual(
      expect.arrayContaining([expect.objectContaining({ msg: 'client error', code: 'ERR_HTTP_REQUEST_TIMEOUT' })]),
    );
  });

  it('when the client is already gone, then its socket is destroyed without writing', () => {
    const written: string[] = [];
    const socket = {
      writable: false,
      end: (text: string) => written.push(text),
      destroy: () => written.push('destroyed'),
    };
    server.http.server.emit('clientError', Object.assign(new Error('reset'), { code: 'ECONNRESET' }), socket);
    expect(written).toEqual(['destroyed']);
  });

  it('when the request line is garbage, then 400 with a JSON body', async () => {
    const raw = await rawRequest(server.port, 'THIS IS NOT HTTP\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toEqual({ detail: 'Bad request' });
  });

  it('when a chunked body with no Content-Length grows past 16 KiB, then 413 JSON', async () => {
    const body = JSON.stringify({ username: 'chunky', password: 'p'.repeat(20_000) });
    const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          port: server.port,
          host: '127.0.0.1',
          method: 'POST',
          path: '/signup',
          headers: { 'Content-Type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      for (let i = 0; i < body.length; i += 1000) req.write(body.slice(i, i + 1000));
      req.end();
    });
    expect(status.status).toBe(413);
    expect(JSON.parse(status.body)).toEqual({ detail: 'Request body too large' });
  });

  it('when the server keeps running after all that, then it still answers', async () => {
    await request(server.http.server).get('/healthz').expect(200);
  });
});

describe('the request log line when the client goes away', () => {
  it('when the client disconnects before the answer, then the line says aborted', async () => {
    const users = new MemoryUserStore();
    const t = await buildTestApp({}, { users });
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    users.findByKey = async () => {
      entered();
      await new Promise<void>((r) => (release = r));
      return undefined;
    };
    const { http: server, port } = await listening(t);
    const controller = new AbortController();
    const aborted = fetch(`http://127.0.0.1:${port}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Request-Id': 'gone-early' },
      body: 'username=someone&password=whatever+it+is',
      signal: controller.signal,
    }).catch((err: unknown) => err);
    await inHandler;
    controller.abort();
    await aborted;
    await new Promise((r) => setTimeout(r, 100));
    release();
    await expect(server.shutdown()).resolves.toBe(true);
    const line = t.logs.entries().find((e) => e.reqId === 'gone-early' && e.msg !== 'unhandled error');
    expect(line).toMatchObject({ aborted: true, req: { method: 'POST', path: '/token' } });
  });
});

describe('graceful shutdown', () => {
  it('when the lame-duck period runs, then new requests are still served and told to close their connection', async () => {
    const t = await buildTestApp();
    const server = createHttpServer(t.app, t.deps.logger, {
      maxHeaderBytes: 8192,
      lameDuckMs: 400,
      shutdownTimeoutMs: 5000,
    });
    const port = await server.listen(0, '127.0.0.1');
    const drained = server.shutdown();
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('connection')).toBe('close');
    await expect(drained).resolves.toBe(true);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    expect(t.logs.entries()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          msg: 'lame duck: still accepting, every response closes its connection',
          lameDuckMs: 400,
        }),
      ]),
    );
  });

  it('when the app answers within its own request listener (a synchronous handler), then a request during the lame-duck period is still told to close, and nothing throws', async () => {
    // The validator's chain runs synchronously once loaded: /healthz is answered before any
    // later 'request' listener runs, so the draining header must be set before the app's.
    const t = await buildTestApp();
    const app = express();
    app.get('/sync', (_req, res) => {
      res.json({ ok: true });
    });
    const server = createHttpServer(app, t.deps.logger, {
      maxHeaderBytes: 8192,
      lameDuckMs: 300,
      shutdownTimeoutMs: 5000,
    });
    const port = await server.listen(0, '127.0.0.1');
    const drained = server.shutdown();
    const res = await fetch(`http://127.0.0.1:${port}/sync`);
    expect(res.status).toBe(200);
    expect(res.headers.get('connection')).toBe('close');
    await expect(drained).resolves.toBe(true);
  });

  it('when a response has already started streaming at shutdown, then it finishes and counts as drained', async () => {
    const express = (await import('express')).default;
    const app = express();
    app.get('/stream', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('first ');
      setTimeout(() => res.end('last'), 300);
    });
    const t = await buildTestApp();
    const server = createHttpServer(app, t.deps.logger, {
      maxHeaderBytes: 8192,
      lameDuckMs: 0,
      shutdownTimeoutMs: 5000,
    });
    const port = await server.listen(0, '127.0.0.1');
    const res = await fetch(`http://127.0.0.1:${port}/stream`);
    expect(server.inFlight).toBe(1);
    await expect(server.shutdown()).resolves.toBe(true);
    expect(await res.text()).toBe('first last');
    expect(server.inFlight).toBe(0);
  });

  it('when finished responses pile up, then none is kept: in-flight counts only unfinished ones', async () => {
    const t = await buildTestApp();
    const { http: server, port } = await listening(t);
    for (let i = 0; i < 5; i++) await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(server.inFlight).toBe(0);
    await server.shutdown();
  });

  it('when the port is taken, then listen rejects instead of crashing', async () => {
    const t = await buildTestApp();
    const first = await listening(t);
    const second = createHttpServer(t.app, t.deps.logger, {
      maxHeaderBytes: 8192,
      lameDuckMs: 0,
      shutdownTimeoutMs: 1000,
    });
    await expect(second.listen(first.port, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await first.http.shutdown();
  });

  it('when shutdown starts during a request, then that request completes, new connections are refused, and shutdown reports a clean drain', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));

    const users = new MemoryUserStore();
    const t = await buildTestApp({}, { users });
    await signup(t.app, 'slowpoke').expect(200);
    const realFind = users.findByKey.bind(users);
    users.findByKey = async (key: string): Promise<User | undefined> => {
      entered();
      await gate;
      return realFind(key);
    };

    const { http: server, port } = await listening(t);
    const inFlight = token(`http://127.0.0.1:${port}`, 'slowpoke');
    await inHandler;

    const drained = server.shutdown();
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();

    release();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.headers.get('connection')).toBe('close');
    expect(res.body.token_type).toBe('bearer');
    await expect(drained).resolves.toBe(true);
  });

  it('when a request outlives SHUTDOWN_TIMEOUT_MS, then shutdown gives up on it and reports false', async () => {
    const users = new MemoryUserStore();
    const t = await buildTestApp({}, { users });
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    users.findByKey = () => {
      entered();
      return new Promise(() => undefined);
    };
    const { http: server, port } = await listening(t, 200);
    const hanging = token(`http://127.0.0.1:${port}`, 'someone', 'any password').catch((err: unknown) => err);
    await inHandler;
    await expect(server.shutdown()).resolves.toBe(false);
    expect(await hanging).toHaveProperty('message', 'fetch failed');
    expect(t.logs.entries()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: 'warn',
          msg: 'shutdown timed out; closing remaining connections',
          timeoutMs: 200,
        }),
      ]),
    );
  });
});
