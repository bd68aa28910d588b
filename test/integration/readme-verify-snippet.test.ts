// The resource-server snippet README.md shows is examples/verify-access-token.js, verbatim, and
// it works: run as a process against the built service (EdDSA), it accepts a real access token
// and refuses a tampered one.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signup, token } from '../helpers/http-client';
import { buildDist, ROOT, startService, type ServiceProcess } from '../helpers/service-process';
import { freePort } from '../helpers/smoke-env';

const SNIPPET = path.join(ROOT, 'examples', 'verify-access-token.js');

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `node examples/verify-access-token.js <accessToken>` with AUTH_URL and PATH only. */
function runSnippet(authUrl: string, accessToken: string): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [SNIPPET, accessToken],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', AUTH_URL: authUrl }, timeout: 20_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? -1) : 0, stdout, stderr }),
    );
  });
}

it('README.md shows examples/verify-access-token.js verbatim, in a js block', async () => {
  const [readme, snippet] = await Promise.all([
    readFile(path.join(ROOT, 'README.md'), 'utf8'),
    readFile(SNIPPET, 'utf8'),
  ]);
  expect(readme).toContain(`\n\`\`\`js\n${snippet}\`\`\`\n`);
});

describe('examples/verify-access-token.js against the service with JWT_ALGORITHM=EdDSA', () => {
  let service: ServiceProcess;
  let base: string;
  let keysParent: string;
  let accessToken: string;

  beforeAll(async () => {
    buildDist();
    keysParent = await mkdtemp(path.join(tmpdir(), 'verify-snippet-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    service = startService({
      JWT_ALGORITHM: 'EdDSA',
      JWT_KEYS_DIR: path.join(keysParent, 'keys'),
      PORT: String(port),
      PUBLIC_URL: base,
      METRICS_ENABLED: 'false',
      LAME_DUCK_MS: '0',
    });
    await service.port(30_000);
    expect((await signup(base, 'reader')).status).toBe(200);
    const issued = await token(base, 'reader');
    expect(issued.status).toBe(200);
    accessToken = issued.body.access_token as string;
  }, 90_000);

  afterAll(async () => {
    await service?.stop();
    await rm(keysParent, { recursive: true, force: true });
  });

  it('when given a real access token, then it exits 0 and prints its sub and exp', async () => {
    const ran = await runSnippet(base, accessToken);

    expect(ran).toMatchObject({ code: 0, stderr: '' });
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as { exp: number };
    expect(JSON.parse(ran.stdout)).toEqual({ sub: 'reader', exp: claims.exp });
  });

  it('when the token was tampered with (another sub under the same signature), then it exits non-zero with the reason', async () => {
    const [header, payload, signature] = accessToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url');

    const ran = await runSnippet(base, `${header}.${forged}.${signature}`);

    expect(ran.code).not.toBe(0);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toBe('token refused: ERR_JWS_SIGNATURE_VERIFICATION_FAILED: signature verification failed\n');
  });
});
