// Baseline (c): the original FastAPI service (bench/baselines/fastapi_app.py) under uvicorn, for
// comparison with the service. `startFastapiBaseline()` finds a Python that can import
// fastapi, uvicorn, jose and multipart (/usr/bin/python3 first: Debian's python3-fastapi,
// python3-uvicorn, python3-jose, python3-multipart; then `python3` on PATH), starts
// `python -m uvicorn fastapi_app:app` as a child process (one worker, access log on, log level
// info, stdout and stderr to logFile), signs up a user, logs in through POST /token and checks
// GET /protected: 200 with the exact body for the token, 401 for a tampered one. When no
// Python has the four modules it returns `{ skipped: '<one-line reason>' }` instead.
//
// The returned `server` has the shape of bench/lib.mjs startServer()'s (name, child, pid,
// spawnedAt, exited, logFile), so lib.mjs measure({ pid }) and waitUntilAnswering() work with
// it. Python is spawned directly (the resolved sys.executable, not a shell nor a pyenv shim),
// so `pid` is the Python process whose CPU /proc/<pid>/stat counts.
/* global process, URLSearchParams */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { BENCH_JWT_SECRET, BENCH_PASSWORD } from '../fixtures.mjs';
import { msSince, nowNs, request, startProcess, stopServer, tamper, waitUntilAnswering } from '../lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
// BENCH_FASTAPI_PYTHON=/path/to/python picks another interpreter (e.g. a venv with uvloop).
const PYTHON_CANDIDATES = process.env.BENCH_FASTAPI_PYTHON
  ? [process.env.BENCH_FASTAPI_PYTHON]
  : ['/usr/bin/python3', 'python3'];
const MODULES = ['fastapi', 'uvicorn', 'jose', 'multipart'];
const INSTALL_HINT = 'apt-get install python3-fastapi python3-uvicorn python3-jose python3-multipart';

/** The body the tutorial's /protected sends (Starlette's JSONResponse: compact separators). */
export const fastapiProtectedBody = (sub) => JSON.stringify({ message: `Hello ${sub}! This is a protected route` });

// Printed by the probe: the modules' versions, and what uvicorn 0.17's `--loop auto` and
// `--http auto` will pick (uvicorn.loops.auto / uvicorn.config: uvloop and httptools when
// importable, else asyncio and h11).
const PROBE = `
import importlib, importlib.util, json, sys
missing = [m for m in ${JSON.stringify(MODULES)} if importlib.util.find_spec(m) is None]
out = {"executable": sys.executable, "python": sys.version.split()[0], "missing": missing}
if not missing:
    def version(name):
        try:
            from importlib.metadata import version as v
            return v(name)
        except Exception:
            mod = importlib.import_module(name)
            return getattr(mod, "__version__", None)
    out["versions"] = {
        "fastapi": version("fastapi"), "starlette": version("starlette"), "pydantic": version("pydantic"),
        "uvicorn": version("uvicorn"), "python-jose": version("python-jose"),
        "python-multipart": importlib.import_module("multipart").__version__,
        "h11": version("h11") if importlib.util.find_spec("h11") else None,
    }
    out["loop"] = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    out["http"] = "httptools" if importlib.util.find_spec("httptools") else "h11"
print(json.dumps(out))
`;

/** Environment for the probe and the server: no inherited Python settings that change imports. */
function pythonEnv() {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (/^(PYTHON|VIRTUAL_ENV$|UVICORN_|BENCH_FASTAPI_)/.test(key)) delete env[key];
  // No __pycache__ left in bench/baselines.
  env.PYTHONDONTWRITEBYTECODE = '1';
  return env;
}

/** The first Python that imports the four modules, or the reasons none did. */
export function findPython() {
  const reasons = [];
  for (const candidate of PYTHON_CANDIDATES) {
    let out;
    try {
      out = JSON.parse(
        execFileSync(candidate, ['-c', PROBE], {
          encoding: 'utf8',
          env: pythonEnv(),
          timeout: 20_000,
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      );
    } catch (err) {
      reasons.push(`${candidate}: ${err.code === 'ENOENT' ? 'not found' : String(err.message).split('\n')[0]}`);
      continue;
    }
    if (out.missing.length === 0) return { python: out };
    reasons.push(`${candidate} lacks ${out.missing.join(', ')}`);
  }
  return { reasons };
}

/** Shared objects the running process has mapped: which of uvloop and httptools it loaded. */
function loadedNative(pid) {
  try {
    const maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8');
    return { uvloop: /uvloop/.test(maps), httptools: /httptools/.test(maps) };
  } catch {
    return undefined;
  }
}

export async function stopFastapiBaseline(server, timeoutMs = 10_000) {
  // uvicorn shuts down gracefully on SIGINT and SIGTERM.
  return server ? stopServer(server, timeoutMs) : undefined;
}

/**
 * Starts the FastAPI baseline on `port`. Returns `{ skipped }` when no Python has the modules,
 * else `{ server, port, token, sub, readyMs, python, versions, loop, http, expectBody }`.
 */
export async function startFastapiBaseline({ port, logFile, username } = {}) {
  const found = findPython();
  if (!found.python) {
    return {
      skipped: `FastAPI baseline skipped: ${found.reasons.join('; ')} (${INSTALL_HINT})`,
    };
  }
  const { python } = found;
  const env = { ...pythonEnv(), JWT_SECRET: BENCH_JWT_SECRET };
  const server = startProcess(
    'fastapi-baseline',
    python.executable,
    // One worker, default log level (info), access log on: as `uvicorn main:app` runs it.
    ['-m', 'uvicorn', 'fastapi_app:app', '--host', '127.0.0.1', '--port', String(port)],
    { env, cwd: HERE, logFile },
  );
  try {
    // Ready: the route answers (401 without a token); nothing is created by asking.
    const readyMs = await waitUntilAnswering(server, port, '/protected', 401, 30_000);
    const sub = username ?? `fa${randomBytes(4).toString('hex')}`;
    const signup = await request(port, {
      method: 'POST',
      path: '/signup',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: sub, password: BENCH_PASSWORD }),
    });
    if (signup.status !== 200) throw new Error(`FastAPI: POST /signup answered ${signup.status} ${signup.body}`);
    const login = await request(port, {
      method: 'POST',
      path: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username: sub, password: BENCH_PASSWORD }).toString(),
    });
    if (login.status !== 200) throw new Error(`FastAPI: POST /token answered ${login.status} ${login.body}`);
    const token = JSON.parse(login.body).access_token;
    const expectBody = fastapiProtectedBody(sub);
    const ok = await request(port, { path: '/protected', headers: { authorization: `Bearer ${token}` } });
    if (ok.status !== 200 || ok.body !== expectBody)
      throw new Error(`FastAPI: GET /protected with a valid token answered ${ok.status} ${ok.body}`);
    const forged = await request(port, {
      path: '/protected',
      headers: { authorization: `Bearer ${tamper(token)}` },
    });
    if (forged.status !== 401 || forged.body !== '{"detail":"Invalid token"}')
      throw new Error(`FastAPI: GET /protected with a forged token answered ${forged.status} ${forged.body}`);
    // What the running process actually loaded (the probe only says what it would pick).
    const t0 = nowNs();
    let native = loadedNative(server.pid);
    while (!native && msSince(t0) < 500) {
      await sleep(20);
      native = loadedNative(server.pid);
    }
    const loop = native ? (native.uvloop ? 'uvloop' : 'asyncio') : python.loop;
    const http = native ? (native.httptools ? 'httptools' : 'h11') : python.http;
    return {
      server,
      port,
      token,
      sub,
      readyMs,
      python: { executable: python.executable, version: python.python },
      versions: python.versions,
      loop,
      http,
      expectBody,
    };
  } catch (err) {
    await stopFastapiBaseline(server);
    throw err;
  }
}
