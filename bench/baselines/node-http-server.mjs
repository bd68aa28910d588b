// Baseline (b): a bare node:http server with the same token verification and JSON answer.
// Run by bench/run.mjs as a child process: PORT, HOST, JWT_SECRET from the environment.
/* global Buffer, process */
import { createServer } from 'node:http';
import { createVerifier, exitOnSignals } from './verify.mjs';

const verify = createVerifier(process.env.JWT_SECRET);

const send = (res, status, payload, extra = {}) => {
  const body = JSON.stringify(payload);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    ...extra,
  });
  res.end(body);
};

const server = createServer((req, res) => {
  if (req.method !== 'GET' || req.url !== '/protected') {
    send(res, 404, { detail: 'Not Found' });
    return;
  }
  const sub = verify(req.headers.authorization);
  if (sub === null) {
    send(res, 401, { detail: 'Not authenticated' }, { 'WWW-Authenticate': 'Bearer' });
    return;
  }
  send(res, 200, { message: `Hello ${sub}! This is a protected route` });
});

server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
exitOnSignals(server);
