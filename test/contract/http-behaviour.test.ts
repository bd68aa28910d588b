// Behaviour around the operations: unknown routes, headers, CORS, the docs, request ids, and
// what the logs may and may not contain.
import request from 'supertest';
import { MemoryUserStore } from '../../src/data-access/memory-user-store';
import { buildTestApp, type TestApp } from '../helpers/test-app';

const PASSWORD = 'correct horse battery staple';

describe('routes outside the contract', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });

  it('when the route is unknown, then 404 JSON {"detail": "Not Found"}, never HTML', async () => {
    const res = await request(t.app).get('/no/such/route');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({ detail: 'Not Found' });
  });

  it('when the method is wrong, then 405 JSON with an Allow header', async () => {
    const res = await request(t.app).delete('/protected');
    expect(res.status).toBe(405);
    expect(res.body).toEqual({ detail: 'Method Not Allowed' });
    expect(res.headers['allow']).toBe('GET');
  });

  it('when a GET is sent to /token, then 405 naming POST', async () => {
    const res = await request(t.app).get('/token');
    expect(res.status).toBe(405);
    expect(res.headers['allow']).toBe('POST');
  });

  it('when an undeclared query parameter is sent, then it is ignored, as by the original', async () => {
    const res = await request(t.app).get('/healthz?debug=1');
    expect(res.status).toBe(200);
  });

  it('when the token comes in the query string, then it is not accepted: 401 Not authenticated (RFC 6750 §2.3 is not supported)', async () => {
    const res = await request(t.app).get('/protected?access_token=abc');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ detail: 'Not authenticated' });
  });
});

describe('security headers (OWASP ASVS 5.0 §3.4, OWASP REST Security Cheat Sheet)', () => {
  it('then API answers carry the REST set and X-Powered-By is absent', async () => {
    const t = await buildTestApp();
    const res = await request(t.app).get('/healthz');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(res.headers['x-xss-protection']).toBeUndefined();
  });
});

describe('CORS (the original tutorial’s appendix)', () => {
  it('when CORS_ORIGINS is unset, then no Access-Control-Allow-Origin header is ever sent', async () => {
    const t = await buildTestApp();
    const res = await request(t.app).get('/healthz').set('Origin', 'https://app.example.com');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('when the origin is on the allow-list, then it is echoed and a preflight succeeds', async () => {
    const t = await buildTestApp({ CORS_ORIGINS: 'https://app.example.com, https://admin.example.com' });
    const res = await request(t.app).get('/healthz').set('Origin', 'https://admin.example.com');
    expect(res.headers['access-control-allow-origin']).toBe('https://admin.example.com');

    const preflight = await request(t.app)
      .options('/protected')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Authorization/i);
  });

  it('when the origin is not on the allow-list, then it gets no CORS header', async () => {
    const t = await buildTestApp({ CORS_ORIGINS: 'https://app.example.com' });
    const res = await request(t.app).get('/healthz').set('Origin', 'https://evil.example.net');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('the published contract and Swagger UI', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });

  it('GET /openapi.json serves the contract as JSON', async () => {
    const res = await request(t.app).get('/openapi.json').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.openapi).toBe('3.0.3');
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/signup', '/token', '/protected']));
  });

  it('GET /openapi.yaml serves the file as written', async () => {
    const res = await request(t.app).get('/openapi.yaml').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/yaml/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.text).toBe(t.deps.contract.yamlText);
  });

  it('GET /docs/ serves Swagger UI whose Authorize flow posts to the root-relative /token', async () => {
    const res = await request(t.app).get('/docs/').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(res.text).toContain('swagger-ui');
    const init = await request(t.app).get('/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toContain('"tokenUrl": "/token"');
  });
});

describe('request ids', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });

  it('when the caller sends X-Request-Id, then it is echoed and logged', async () => {
    const res = await request(t.app).get('/protected').set('X-Request-Id', 'abc-123.def');
    expect(res.headers['x-request-id']).toBe('abc-123.def');
    const line = t.logs.entries().find((e) => (e.req as { id?: string } | undefined)?.id === 'abc-123.def');
    expect(line).toMatchObject({ level: 'info', req: { method: 'GET', path: '/protected' }, res: { statusCode: 401 } });
  });

  it('when there is none, or it is unsafe to echo, then a fresh UUID is used', async () => {
    const none = await request(t.app).get('/healthz');
    expect(none.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await request(t.app).get('/healthz').set('X-Request-Id', 'a b\tc<script>');
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('logs (OWASP ASVS 5.0 §16: no secrets in logs; audit events)', () => {
  it('when the whole seed flow and its failures run, then no password or token appears in any log line, and audit events record each outcome', async () => {
    const t = await buildTestApp();
    const secretPasswords = [PASSWORD, 'wrong-but-secret-guess', 'short'];

    await request(t.app).post('/signup').send({ username: 'audited', password: PASSWORD }).expect(200);
    await request(t.app).post('/signup').send({ username: 'audited', password: PASSWORD }).expect(400);
    await request(t.app).post('/signup').send({ username: 'tiny', password: 'short' }).expect(422);
    const ok = await request(t.app)
      .post('/token')
      .type('form')
      .send({ username: 'audited', password: PASSWORD })
      .expect(200);
    const token = ok.body.access_token as string;
    await request(t.app)
      .post('/token')
      .type('form')
      .send({ username: 'audited', password: 'wrong-but-secret-guess' })
      .expect(401);
    await request(t.app).post('/token').field('username', 'audited').field('password', PASSWORD).expect(200);
    await request(t.app).get('/protected').set('Authorization', `Bearer ${token}`).expect(200);
    await request(t.app)
      .get('/protected?access_token=' + token)
      .expect(401);
    await request(t.app).get('/protected').set('Authorization', `Bearer ${token}x`).expect(401);
    await request(t.app).get('/protected').set('Cookie', `session=${token}`).expect(401);

    const text = t.logs.text;
    expect(t.logs.lines.length).toBeGreaterThan(10);
    for (const secret of secretPasswords) expect(text).not.toContain(secret);
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.split('.')[2]);

    const audit = t.logs.entries().flatMap((e) => (e.audit ? [e.audit] : []));
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'signup', outcome: 'success', username: 'audited', ip: expect.any(String) }),
        expect.objectContaining({
          type: 'signup',
          outcome: 'rejected',
          username: 'audited',
          reason: 'ERR_USERNAME_TAKEN',
        }),
        expect.objectContaining({ type: 'login', outcome: 'success', username: 'audited' }),
        expect.objectContaining({ type: 'login', outcome: 'failure', username: 'audited', reason: 'bad_password' }),
      ]),
    );
  });

  it('then every log line is one JSON object with a level and a time', async () => {
    const t = await buildTestApp();
    await request(t.app).get('/healthz');
    for (const line of t.logs.lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      expect(entry).toMatchObject({ level: expect.any(String), time: expect.any(String) });
    }
  });

  it('when JWT_SECRET is unset, then a warning says tokens will not survive a restart', async () => {
    const t = await buildTestApp({ JWT_SECRET: '' });
    const warning = t.logs.entries().find((e) => e.level === 'warn' && String(e.msg).includes('JWT_SECRET'));
    expect(warning?.msg).toMatch(/will not survive a restart/);
    // ...and the generated secret still signs working tokens.
    await request(t.app).post('/signup').send({ username: 'random', password: PASSWORD }).expect(200);
    const res = await request(t.app)
      .post('/token')
      .type('form')
      .send({ username: 'random', password: PASSWORD })
      .expect(200);
    await request(t.app).get('/protected').set('Authorization', `Bearer ${res.body.access_token}`).expect(200);
  });
});

describe('bodies: size and parsing', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ SIGNUP_MAX_PER_IP: '100' });
  });

  /** A sign-up body padded with an ignored field to exactly `bytes` bytes. */
  const paddedSignup = (username: string, bytes: number): string => {
    const base = JSON.stringify({ username, password: 'correct horse battery staple', pad: '' });
    return base.replace('"pad":""', `"pad":"${'p'.repeat(bytes - Buffer.byteLength(base))}"`);
  };

  it('when the body is exactly 16 KiB, then it is read; one byte more and it is refused with 413 and Connection: close', async () => {
    const exact = paddedSignup('exactly16k', 16 * 1024);
    expect(Buffer.byteLength(exact)).toBe(16 * 1024);
    await request(t.app).post('/signup').set('Content-Type', 'application/json').send(exact).expect(200);

    const over = paddedSignup('over16k', 16 * 1024 + 1);
    const res = await request(t.app).post('/signup').set('Content-Type', 'application/json').send(over);
    expect(res.status).toBe(413);
    expect(res.headers.connection).toBe('close');
    expect(res.body).toEqual({ detail: 'Request body too large' });
  });

  it('when the JSON body is a bare string, then 400 Malformed JSON body (strict JSON: objects and arrays only)', async () => {
    const res = await request(t.app).post('/signup').set('Content-Type', 'application/json').send('"just a string"');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: 'Malformed JSON body' });
  });

  it('when a form field name has brackets, then it stays a flat name (no nested objects): the field is missing', async () => {
    const res = await request(t.app).post('/token').type('form').send('username[x]=licat&password=whatever+it+is');
    expect(res.status).toBe(422);
    expect(res.body.detail).toEqual([
      { loc: ['body', 'username'], msg: 'field required', type: 'value_error.missing' },
    ]);
  });

  it('when a form has more than 20 fields, then 413', async () => {
    const fields = Array.from({ length: 25 }, (_, i) => `f${i}=x`).join('&');
    const res = await request(t.app).post('/token').type('form').send(`username=a&password=b&${fields}`);
    expect(res.status).toBe(413);
  });
});

describe('headers the API leaves out (OWASP REST Security Cheat Sheet: only what an API needs)', () => {
  it('then no HTML-only or legacy-browser headers are sent, and caching is off in both spellings', async () => {
    const t = await buildTestApp();
    const res = await request(t.app).get('/healthz');
    for (const header of [
      'cross-origin-opener-policy',
      'origin-agent-cluster',
      'referrer-policy',
      'x-dns-prefetch-control',
      'x-download-options',
      'x-permitted-cross-domain-policies',
      'etag',
    ]) {
      expect(res.headers[header]).toBeUndefined();
    }
    expect(res.headers['pragma']).toBe('no-cache');
    expect(res.headers['cache-control']).toBe('no-store');
  });
});

describe('CORS details', () => {
  it('then a preflight allows exactly GET, POST and DELETE, the three request headers, exposes the three response headers, and is cached 10 minutes', async () => {
    const t = await buildTestApp({ CORS_ORIGINS: 'https://app.example.com' });
    const preflight = await request(t.app)
      .options('/token')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Method', 'POST');
    expect(preflight.headers['access-control-allow-methods']).toBe('GET,POST,DELETE');
    expect(preflight.headers['access-control-allow-headers']).toBe('Authorization,Content-Type,X-Request-Id');
    expect(preflight.headers['access-control-max-age']).toBe('600');
    const res = await request(t.app).get('/healthz').set('Origin', 'https://app.example.com');
    expect(res.headers['access-control-expose-headers']).toBe('X-Request-Id,Retry-After,WWW-Authenticate');
  });

  it('when a request has no Origin, then it gets no CORS header even with an allow-list', async () => {
    const t = await buildTestApp({ CORS_ORIGINS: 'https://app.example.com' });
    const res = await request(t.app).get('/healthz');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('Swagger UI settings', () => {
  it('then the page is titled after the contract, Try it out starts off, and authorization is not kept in the browser', async () => {
    const t = await buildTestApp();
    const page = await request(t.app).get('/docs/').expect(200);
    expect(page.text).toContain('<title>JWT authentication service</title>');
    const init = await request(t.app).get('/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toContain('"persistAuthorization": false');
    expect(init.text).toContain('"tryItOutEnabled": false');
  });
});

describe('the request log line', () => {
  it('then each request writes one line with method, path without query, status and a duration in milliseconds', async () => {
    const t = await buildTestApp();
    await request(t.app).get('/users/me?x=1').set('X-Request-Id', 'line-check');
    const line = t.logs.entries().find((e) => e.reqId === 'line-check');
    expect(line).toMatchObject({
      level: 'info',
      msg: 'GET 401',
      req: { id: 'line-check', method: 'GET', path: '/users/me' },
      res: { statusCode: 401 },
    });
    expect(line?.responseTime).toEqual(expect.any(Number));
    expect(line?.responseTime as number).toBeLessThan(10_000);
    expect(line).not.toHaveProperty('aborted');
  });

  it('when orchestrators probe /healthz and /readyz (every few seconds), then their lines are at debug, whatever the answer; other paths stay at info', async () => {
    const t = await buildTestApp({ LOG_LEVEL: 'debug' });
    await request(t.app).get('/healthz').set('X-Request-Id', 'probe-live');
    await request(t.app).get('/readyz').set('X-Request-Id', 'probe-ready');
    t.deps.lifecycle.draining = true;
    await request(t.app).get('/readyz').set('X-Request-Id', 'probe-draining').expect(503);
    await request(t.app).get('/healthzz').set('X-Request-Id', 'not-a-probe');
    const levelOf = (id: string) => t.logs.entries().find((e) => e.reqId === id && e.req !== undefined)?.level;
    expect(['probe-live', 'probe-ready', 'probe-draining', 'not-a-probe'].map(levelOf)).toEqual([
      'debug',
      'debug',
      'debug',
      'info',
    ]);
    const quiet = await buildTestApp({ LOG_LEVEL: 'info' });
    await request(quiet.app).get('/healthz').set('X-Request-Id', 'unseen');
    expect(quiet.logs.text).not.toContain('unseen');
  });

  it('when the answer is a 5xx, then the line is at error level; lines a handler writes carry the request id', async () => {
    const users = new MemoryUserStore();
    users.findByKey = () => Promise.reject(new Error('store down'));
    const t = await buildTestApp({}, { users });
    await request(t.app)
      .post('/token')
      .set('X-Request-Id', 'broken-store')
      .type('form')
      .send({ username: 'someone', password: 'pw pw pw pw' });
    const lines = t.logs.entries().filter((e) => e.reqId === 'broken-store');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 'error', msg: 'unhandled error' }),
        expect.objectContaining({ level: 'error', msg: 'POST 500', res: { statusCode: 500 } }),
      ]),
    );
  });
});

describe('the Bearer header', () => {
  it('when the token has extra spaces around it, then it is still read (the header value is trimmed)', async () => {
    const t = await buildTestApp();
    await request(t.app).post('/signup').send({ username: 'spacey', password: PASSWORD }).expect(200);
    const issued = await request(t.app).post('/token').type('form').send({ username: 'spacey', password: PASSWORD });
    const res = await request(t.app).get('/protected').set('Authorization', `Bearer   ${issued.body.access_token}  `);
    expect(res.status).toBe(200);
  });
});
