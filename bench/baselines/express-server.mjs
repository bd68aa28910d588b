// Baseline (a): a plain Express app (the service's express version, default settings) that
// verifies the Bearer token exactly as the service does and answers with res.json.
// Run by bench/run.mjs as a child process: PORT, HOST, JWT_SECRET from the environment.
/* global process */
import express from 'express';
import { randomUUID } from 'node:crypto';
import { createVerifier, exitOnSignals } from './verify.mjs';

const verify = createVerifier(process.env.JWT_SECRET);
const app = express();

// SERVICE_HEADERS=1 (bench/protected-compare.mjs --ablation): the response headers the service
// adds to every API answer (X-Request-Id and src/http/security-headers.ts's constant set), so
// their cost in node's HTTP layer shows on its own. Set in the route's handler: no Express layer
// of their own.
let serviceHeaders;
if (process.env.SERVICE_HEADERS === '1') {
  const headers = [
    ['Content-Security-Policy', "default-src 'none';frame-ancestors 'none'"],
    ['Cross-Origin-Resource-Policy', 'same-origin'],
    ['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'],
    ['X-Content-Type-Options', 'nosniff'],
    ['X-Frame-Options', 'DENY'],
    ['Cache-Control', 'no-store'],
    ['Pragma', 'no-cache'],
  ];
  serviceHeaders = (res) => {
    res.setHeader('X-Request-Id', randomUUID());
    for (const [name, value] of headers) res.setHeader(name, value);
  };
}

app.get('/protected', (req, res) => {
  serviceHeaders?.(res);
  const sub = verify(req.headers.authorization);
  if (sub === null) {
    res.status(401).set('WWW-Authenticate', 'Bearer').json({ detail: 'Not authenticated' });
    return;
  }
  res.json({ message: `Hello ${sub}! This is a protected route` });
});

const server = app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1', (err) => {
  if (err) throw err;
});
exitOnSignals(server);
