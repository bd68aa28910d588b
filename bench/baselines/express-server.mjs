// Baseline (a): a plain Express app (the service's express version, default settings) that
// verifies the Bearer token exactly as the service does and answers with res.json.
// Run by bench/run.mjs as a child process: PORT, HOST, JWT_SECRET from the environment.
/* global process */
import express from 'express';
import { createVerifier, exitOnSignals } from './verify.mjs';

const verify = createVerifier(process.env.JWT_SECRET);
const app = express();

app.get('/protected', (req, res) => {
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
