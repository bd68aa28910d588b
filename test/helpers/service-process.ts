// The built service as a real process (node dist/main.js): build once, start with a chosen
// environment, read the port from its "listening" log line, stop it with a signal.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const MAIN = path.join(ROOT, 'dist', 'main.js');

let built = false;
/** Compiles src/ to dist/ (once per test file's process); beforeAll hooks need ~60 s for it. */
export function buildDist(): void {
  if (built) return;
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
  // As `npm run build`: the migrations, and the contract checked and written as dist/contract.json.
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'copy-build-assets.js')], { cwd: ROOT, stdio: 'inherit' });
  built = true;
}

export interface ServiceProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The exit code (null when killed by a signal it did not handle). */
  readonly exit: Promise<number | null>;
  /** Resolves with the port from the "listening" log line; rejects if the process exits first. */
  port(timeoutMs?: number): Promise<number>;
  /** The JSON log lines written so far. */
  logLines(): Array<Record<string, unknown>>;
  /** Sends `signal` and waits for the exit; SIGKILL after `timeoutMs`. Resolves with the exit code. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

export interface StartOptions {
  /** Extra arguments for node before the script, e.g. ['--require', fixture]. */
  readonly nodeArgs?: readonly string[];
}

/**
 * Starts dist/main.js on 127.0.0.1 and a free port with `env` and nothing else from this
 * process's environment but PATH, so a developer's shell cannot change what is tested.
 */
export function startService(env: Record<string, string>, options: StartOptions = {}): ServiceProcess {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  let exited = false;
  void exit.then(() => (exited = true));

  const logLines = () =>
    out
      .split('\n')
      .filter((l) => l.trim().length > 0)
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  const port = async (timeoutMs = 15_000): Promise<number> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const line = out.split('\n').find((l) => l.includes('"msg":"listening"'));
      if (line) return (JSON.parse(line) as { port: number }).port;
      if (exited) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`the service did not start listening:\n--- stdout ---\n${out}\n--- stderr ---\n${err}`);
  };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<number | null> => {
    if (!exited) {
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exit, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
      if (!exited) child.kill('SIGKILL');
    }
    return exit;
  };

  return { child, stdout: () => out, stderr: () => err, exit, port, logLines, stop };
}
