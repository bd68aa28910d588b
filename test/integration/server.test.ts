// The listening server around the app: protocol-level errors and graceful shutdown.
import http from 'node:http';
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

describe('graceful shutdown', () => {
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
  });
});
