// The key directory (keys.json, <kid>.pem, keys.lock) in real temporary directories with a
// fixed clock, and the service's reloading view of it.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import * as nodeFs from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyDirectory, KeyDirectoryError, ReloadingKeySet } from '../../src/data-access/key-directory';
import { jwkThumbprint, NoSigningKeyError } from '../../src/domain/signing-keys';
import { createLogger } from '../../src/logger';
import { FakeClock, LogCapture } from '../helpers/test-app';

const MINUTE = 60_000;
/** What `keys rotate` uses with the defaults: JWKS max-age + 60 s, then a 30-minute token + 5 s + 60 s. */
const ACTIVATE_IN = 360_000;
const RETAIN = 1_865_000;

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'key-directory-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
afterEach(() => jest.restoreAllMocks());

interface Setup {
  readonly dir: string;
  readonly clock: FakeClock;
  readonly keys: KeyDirectory;
  readonly first: string;
}

/** A directory with its first EdDSA key, created at the fake clock's start. */
async function initialised(): Promise<Setup> {
  const dir = await tempDir();
  const clock = new FakeClock();
  const keys = new KeyDirectory(dir, clock.now);
  const first = await keys.initialise('EdDSA');
  if (first === undefined) throw new Error('initialise created no key');
  return { dir, clock, keys, first };
}

type Json = Record<string, unknown> & { keys: Array<Record<string, unknown>> };
const readManifest = async (dir: string): Promise<Json> =>
  JSON.parse(await readFile(join(dir, 'keys.json'), 'utf8')) as Json;
const writeManifest = (dir: string, manifest: unknown): Promise<void> =>
  writeFile(join(dir, 'keys.json'), typeof manifest === 'string' ? manifest : JSON.stringify(manifest));

const pemFiles = async (dir: string): Promise<string[]> =>
  (await readdir(dir)).filter((f) => f.endsWith('.pem')).sort();
const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

async function statuses(keys: KeyDirectory): Promise<Record<string, string>> {
  return Object.fromEntries((await keys.list()).map((k) => [k.kid, k.status]));
}

async function signerOf(keys: KeyDirectory, now: number): Promise<string> {
  const set = await keys.load();
  return set!.signingKey(now).kid;
}

describe('KeyDirectory.initialise: the first start', () => {
  it('when the directory does not exist, then it is created 0700 with a 0600 private key and a keys.json naming it, active at once', async () => {
    const dir = join(await tempDir(), 'nested', 'keys');
    const clock = new FakeClock();
    const kid = await new KeyDirectory(dir, clock.now).initialise('EdDSA');

    expect(kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await mode(dir)).toBe(0o700);
    expect(await mode(join(dir, `${kid}.pem`))).toBe(0o600);
    expect((await readdir(dir)).sort()).toEqual([`${kid}.pem`, 'keys.json'].sort());
    const pem = await readFile(join(dir, `${kid}.pem`), 'utf8');
    expect(jwkThumbprint(createPublicKey(pem))).toBe(kid);
    const manifest = await readManifest(dir);
    expect(manifest).toEqual({
      version: 1,
      keys: [
        {
          kid,
          alg: 'EdDSA',
          createdAt: new Date(clock.nowMs).toISOString(),
          activatesAt: new Date(clock.nowMs).toISOString(),
          verifyUntil: null,
          publicKey: { kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid, use: 'sig', alg: 'EdDSA' },
        },
      ],
    });
    expect(JSON.stringify(manifest)).not.toMatch(/"d"/);
  });

  it('when a schedule exists, then a second call creates nothing and returns undefined', async () => {
    const { dir, keys, first } = await initialised();
    expect(await keys.initialise('EdDSA')).toBeUndefined();
    expect(await pemFiles(dir)).toEqual([`${first}.pem`]);
    expect(await signerOf(keys, Date.now())).toBe(first);
  });

  it('when keys.json cannot be linked into place (a file system without hard links), then the error surfaces and no temporary schedule is left', async () => {
    const dir = await tempDir();
    const refused = Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' });
    jest.spyOn(nodeFs.promises, 'link').mockRejectedValueOnce(refused);
    await expect(new KeyDirectory(dir, Date.now).initialise('EdDSA')).rejects.toBe(refused);
    expect((await readdir(dir)).filter((f) => f.startsWith('.keys.json'))).toEqual([]);
    expect(await new KeyDirectory(dir, Date.now).load()).toBeUndefined();
  });

  it('when 5 replicas start together on one empty directory, then exactly one key is created, every one loads it, and no stray file is left', async () => {
    const dir = await tempDir();
    const clock = new FakeClock();
    const replicas = Array.from({ length: 5 }, () => new KeyDirectory(dir, clock.now));

    const created = await Promise.all(replicas.map((r) => r.initialise('EdDSA')));

    const kids = created.filter((k): k is string => k !== undefined);
    expect(kids).toHaveLength(1);
    const signers = await Promise.all(replicas.map((r) => signerOf(r, clock.nowMs)));
    expect(new Set(signers)).toEqual(new Set(kids));
    expect((await readdir(dir)).sort()).toEqual([`${kids[0]}.pem`, 'keys.json'].sort());
  });
});

describe('KeyDirectory.load', () => {
  it('when there is no keys.json (or no directory), then undefined', async () => {
    const dir = await tempDir();
    expect(await new KeyDirectory(dir, Date.now).load()).toBeUndefined();
    expect(await new KeyDirectory(join(dir, 'absent'), Date.now).load()).toBeUndefined();
  });

  it('when JWT_KEYS_DIR lies under a regular file, then a KeyDirectoryError names keys.json and ENOTDIR', async () => {
    const file = join(await tempDir(), 'a-file');
    await writeFile(file, 'not a directory');
    const load = new KeyDirectory(join(file, 'keys'), Date.now).load();
    await expect(load).rejects.toThrow(KeyDirectoryError);
    await expect(load).rejects.toThrow(/keys\.json cannot be read \(ENOTDIR\)/);
  });

  it('when a .pem holds another key than the one its name says, then a KeyDirectoryError says thumbprint mismatch', async () => {
    const { dir, keys, first } = await initialised();
    const stranger = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' });
    await writeFile(join(dir, `${first}.pem`), stranger);
    await expect(keys.load()).rejects.toThrow(
      new KeyDirectoryError(`${first}.pem does not hold the key its name and keys.json say (thumbprint mismatch)`),
    );
  });

  it('when a .pem is not a PEM at all (truncated, overwritten), then a KeyDirectoryError says so and what to do', async () => {
    const { dir, keys, first } = await initialised();
    await writeFile(join(dir, `${first}.pem`), '-----BEGIN PRIVATE KEY-----\ntruncated');
    const loading = keys.load();
    await expect(loading).rejects.toBeInstanceOf(KeyDirectoryError);
    await expect(loading).rejects.toThrow(
      `${first}.pem is not a PEM private key: restore it from a backup, or retire ${first}`,
    );
  });

  it('when a .pem cannot be read, then a KeyDirectoryError names it and the errno', async () => {
    const { dir, keys, first } = await initialised();
    await rm(join(dir, `${first}.pem`));
    await mkdir(join(dir, `${first}.pem`));
    await expect(keys.load()).rejects.toThrow(
      new KeyDirectoryError(`the private key ${first}.pem cannot be read (EISDIR)`),
    );
  });

  it('when a .pem is gone (pruned), then the key still verifies but cannot sign', async () => {
    const { dir, clock, keys, first } = await initialised();
    await rm(join(dir, `${first}.pem`));
    const set = (await keys.load())!;
    expect(set.verificationKey(first, clock.nowMs)?.kid).toBe(first);
    expect(() => set.signingKey(clock.nowMs)).toThrow(NoSigningKeyError);
  });
});

describe('KeyDirectory: a keys.json it did not write is refused, naming the problem', () => {
  const otherKid = jwkThumbprint(createPublicKey(generateKeyPairSync('ed25519').privateKey));
  const cases: ReadonlyArray<readonly [string, (m: Json) => unknown, RegExp]> = [
    ['not JSON', () => '{"version": 1, "keys": [', /: not JSON$/],
    ['another version', (m) => ({ ...m, version: 2 }), /: no version 1 "keys" list$/],
    ['keys not a list', (m) => ({ ...m, keys: {} }), /: no version 1 "keys" list$/],
    ['a kid that is no thumbprint', (m) => withKey(m, { kid: '../../etc/passwd' }), /a kid is not an RFC 7638/],
    ['a kid that is not a string', (m) => withKey(m, { kid: 42 }), /a kid is not an RFC 7638/],
    ['an algorithm not allowed', (m) => withKey(m, { alg: 'HS256' }), /key [\w-]{43} has algorithm HS256$/],
    ['no algorithm', (m) => withKey(m, { alg: undefined }), /has algorithm undefined$/],
    ['an activation time that is no time', (m) => withKey(m, { activatesAt: 'soon' }), /has a time that is not ISO/],
    ['an end that is no time', (m) => withKey(m, { verifyUntil: 'later' }), /has a time that is not ISO 8601$/],
    ['a creation time missing', (m) => withKey(m, { createdAt: undefined }), /has a time that is not ISO 8601$/],
    ['no public key', (m) => withKey(m, { publicKey: null }), /key [\w-]{43} has no public key$/],
    ['a public key that is no JWK', (m) => withKey(m, { publicKey: { kty: 'XYZ' } }), /public key is not a JWK$/],
    ['an Ed25519 key labelled RS256', (m) => withKey(m, { alg: 'RS256' }), /key [\w-]{43} is not a key for RS256$/],
    [
      'a kid that is not its public key',
      (m) => withKey(m, { kid: otherKid }),
      new RegExp(`key ${otherKid}'s public key has thumbprint [\\w-]{43}$`),
    ],
  ];

  function withKey(m: Json, change: Record<string, unknown>): Json {
    return { ...m, keys: [{ ...m.keys[0], ...change }] };
  }

  it.each(cases)(
    'when keys.json has %s, then load, list, rotate and service start-up all refuse it',
    async (_, corrupt, why) => {
      const { dir, clock, keys } = await initialised();
      await writeManifest(dir, corrupt(await readManifest(dir)));
      const prefix = `${join(dir, 'keys.json')} is not a key schedule this service wrote: `;

      for (const attempt of [
        () => keys.load(),
        () => keys.list(),
        () => keys.rotate({ alg: 'EdDSA', activateInMs: 0, retainMs: 0 }),
        () => keys.initialise('EdDSA'),
        () => ReloadingKeySet.open(keys, 'EdDSA', clock.now, createLogger('silent')),
      ]) {
        const err = await attempt().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(KeyDirectoryError);
        expect((err as Error).message.startsWith(prefix)).toBe(true);
        expect((err as Error).message).toMatch(why);
      }
    },
  );
});

describe('KeyDirectory.rotate', () => {
  it('when there is no schedule yet, then it refuses and says to start the service once', async () => {
    const dir = await tempDir();
    await expect(
      new KeyDirectory(dir, Date.now).rotate({ alg: 'EdDSA', activateInMs: 0, retainMs: 0 }),
    ).rejects.toThrow(
      new KeyDirectoryError(
        `${dir} has no keys.json: start the service once (it creates the first key), or check JWT_KEYS_DIR`,
      ),
    );
  });

  it('then the new key is published at once, signs only from activatesAt, and the old key is accepted until activation + retention', async () => {
    const { clock, keys, first } = await initialised();
    const t0 = clock.nowMs;

    const rotated = await keys.rotate({ alg: 'EdDSA', activateInMs: ACTIVATE_IN, retainMs: RETAIN });

    const second = rotated.kid;
    expect(rotated).toEqual({
      kid: second,
      activatesAt: new Date(t0 + ACTIVATE_IN),
      retiring: [{ kid: first, verifyUntil: new Date(t0 + ACTIVATE_IN + RETAIN) }],
    });
    let set = (await keys.load())!;
    expect(set.publicJwks(t0).map((k) => k.kid)).toEqual([first, second]);
    expect(set.verificationKey(second, t0)?.kid).toBe(second);
    expect(set.signingKey(t0).kid).toBe(first);
    expect(set.signingKey(t0 + ACTIVATE_IN - 1).kid).toBe(first);
    expect(await statuses(keys)).toEqual({ [first]: 'signing', [second]: 'pending' });

    clock.nowMs = t0 + ACTIVATE_IN;
    expect(await statuses(keys)).toEqual({ [first]: 'verify-only', [second]: 'signing' });
    expect(await signerOf(keys, clock.nowMs)).toBe(second);

    clock.nowMs = t0 + ACTIVATE_IN + RETAIN;
    set = (await keys.load())!;
    expect(await statuses(keys)).toEqual({ [first]: 'retired', [second]: 'signing' });
    expect(set.verificationKey(first, clock.nowMs)).toBeUndefined();
    expect(set.publicJwks(clock.nowMs).map((k) => k.kid)).toEqual([second]);
    const listed = await keys.list();
    expect(listed).toEqual([
      {
        kid: first,
        alg: 'EdDSA',
        status: 'retired',
        activatesAt: new Date(t0),
        verifyUntil: new Date(t0 + ACTIVATE_IN + RETAIN),
      },
      { kid: second, alg: 'EdDSA', status: 'signing', activatesAt: new Date(t0 + ACTIVATE_IN), verifyUntil: undefined },
    ]);
  });

  it('when rotated twice, then the second rotation ends the first new key and leaves the older end alone', async () => {
    const { clock, keys, first } = await initialised();
    const t0 = clock.nowMs;
    const { kid: second } = await keys.rotate({ alg: 'EdDSA', activateInMs: ACTIVATE_IN, retainMs: RETAIN });
    clock.advance(600);
    const third = await keys.rotate({ alg: 'ES256', activateInMs: ACTIVATE_IN, retainMs: RETAIN });

    expect(third.retiring).toEqual([{ kid: second, verifyUntil: new Date(clock.nowMs + ACTIVATE_IN + RETAIN) }]);
    const byKid = Object.fromEntries((await keys.list()).map((k) => [k.kid, k]));
    expect(byKid[first]?.verifyUntil).toEqual(new Date(t0 + ACTIVATE_IN + RETAIN));
    expect(byKid[third.kid]).toMatchObject({ alg: 'ES256', status: 'pending', verifyUntil: undefined });
    expect(await statuses(keys)).toEqual({ [first]: 'verify-only', [second]: 'signing', [third.kid]: 'pending' });
  });

  it('when a rotated key still waits to sign, then a second rotation is refused (it would switch keys twice) and nothing changes', async () => {
    const { dir, keys } = await initialised();
    const { kid: pending } = await keys.rotate({ alg: 'EdDSA', activateInMs: ACTIVATE_IN, retainMs: RETAIN });
    const before = await readManifest(dir);
    await expect(keys.rotate({ alg: 'EdDSA', activateInMs: 0, retainMs: RETAIN })).rejects.toThrow(
      new RegExp(`^key ${pending} already waits to sign .*Wait until it signs, or retire it first`),
    );
    expect(await readManifest(dir)).toEqual(before);
  });

  it('when the algorithm is RS256, then the key generated is RSA of 3072 bits', async () => {
    const { keys, clock } = await initialised();
    clock.advance(1);
    const { kid } = await keys.rotate({ alg: 'RS256', activateInMs: 0, retainMs: RETAIN });
    const key = (await keys.load())!.signingKey(clock.nowMs);
    expect(key).toMatchObject({ kid, alg: 'RS256' });
    expect(key.key.asymmetricKeyDetails?.modulusLength).toBe(3072);
  });

  it('when given a private key made elsewhere, then that key is stored 0600 under its thumbprint', async () => {
    const { dir, keys } = await initialised();
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

    const { kid } = await keys.rotate({ alg: 'ES256', activateInMs: 0, retainMs: RETAIN, privateKey });

    expect(kid).toBe(jwkThumbprint(publicKey));
    expect(await mode(join(dir, `${kid}.pem`))).toBe(0o600);
    expect(await readFile(join(dir, `${kid}.pem`), 'utf8')).toBe(privateKey.export({ format: 'pem', type: 'pkcs8' }));
  });

  it('when the given key does not fit the algorithm, or is already in the schedule, then it refuses and changes nothing', async () => {
    const { dir, keys } = await initialised();
    const before = await readFile(join(dir, 'keys.json'), 'utf8');
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    await expect(keys.rotate({ alg: 'EdDSA', activateInMs: 0, retainMs: 0, privateKey: p256 })).rejects.toThrow(
      /^the new key .*EdDSA here means Ed25519/,
    );
    expect(await readFile(join(dir, 'keys.json'), 'utf8')).toBe(before);

    const { kid } = await keys.rotate({ alg: 'ES256', activateInMs: 0, retainMs: RETAIN, privateKey: p256 });
    const again = keys.rotate({ alg: 'ES256', activateInMs: 0, retainMs: RETAIN, privateKey: p256 });
    await expect(again).rejects.toThrow(new KeyDirectoryError(`key ${kid} is already in the schedule`));
    expect((await readdir(dir)).includes('keys.lock')).toBe(false);
  });

  it('when keys.lock is held, then it refuses with a KeyDirectoryError and leaves the schedule and the lock alone', async () => {
    const { dir, keys } = await initialised();
    await writeFile(join(dir, 'keys.lock'), '4242');
    const before = await readFile(join(dir, 'keys.json'), 'utf8');

    const rotation = keys.rotate({ alg: 'EdDSA', activateInMs: 0, retainMs: 0 });

    await expect(rotation).rejects.toThrow(
      new KeyDirectoryError(
        `${join(dir, 'keys.lock')} exists: another keys command is running (if none is, delete the file)`,
      ),
    );
    expect(await readFile(join(dir, 'keys.json'), 'utf8')).toBe(before);
    expect(await readFile(join(dir, 'keys.lock'), 'utf8')).toBe('4242');
    await expect(keys.retire('x', 'EdDSA', RETAIN)).rejects.toThrow(/keys\.lock exists/);
    await expect(keys.prune()).rejects.toThrow(/keys\.lock exists/);
  });

  it('when the lock cannot be created for another reason, then that error surfaces as it is', async () => {
    const { keys } = await initialised();
    const denied = Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' });
    jest.spyOn(nodeFs.promises, 'open').mockRejectedValueOnce(denied);
    await expect(keys.rotate({ alg: 'EdDSA', activateInMs: 0, retainMs: 0 })).rejects.toBe(denied);
  });

  it('when keys.json vanishes while the lock is taken, then the schedule read before the lock is the one changed', async () => {
    const { keys, first } = await initialised();
    const read = keys.readManifest.bind(keys);
    jest
      .spyOn(keys, 'readManifest')
      .mockImplementationOnce(read)
      .mockImplementationOnce(async () => undefined);
    const { kid } = await keys.rotate({ alg: 'EdDSA', activateInMs: 0, retainMs: 0 });
    expect(Object.keys(await statuses(keys))).toEqual([first, kid]);
  });

  it('then each change gives the schedule a new version, and none without a change', async () => {
    const { keys } = await initialised();
    const v1 = await keys.version();
    expect(await keys.version()).toBe(v1);
    await keys.rotate({ alg: 'EdDSA', activateInMs: 0, retainMs: RETAIN });
    expect(await keys.version()).not.toBe(v1);
  });
});

describe('KeyDirectory.retire', () => {
  it('when the key only verifies, then it is refused from now on, its private key deleted, and nothing is added', async () => {
    const { dir, clock, keys, first } = await initialised();
    const { kid: second } = await keys.rotate({ alg: 'EdDSA', activateInMs: ACTIVATE_IN, retainMs: RETAIN });
    clock.nowMs += ACTIVATE_IN + MINUTE;

    expect(await keys.retire(first, 'EdDSA', RETAIN)).toEqual({ replacement: undefined });

    const set = (await keys.load())!;
    expect(set.verificationKey(first, clock.nowMs)).toBeUndefined();
    expect(set.signingKey(clock.nowMs).kid).toBe(second);
    expect(await statuses(keys)).toEqual({ [first]: 'retired', [second]: 'signing' });
    expect(await pemFiles(dir)).toEqual([`${second}.pem`]);
  });

  it('when the key is the only signer, then a replacement is added that signs at once', async () => {
    const { dir, clock, keys, first } = await initialised();

    const { replacement } = await keys.retire(first, 'ES256', RETAIN);

    expect(replacement).toMatch(/^[\w-]{43}$/);
    const set = (await keys.load())!;
    expect(set.signingKey(clock.nowMs)).toMatchObject({ kid: replacement, alg: 'ES256' });
    expect(set.verificationKey(first, clock.nowMs)).toBeUndefined();
    expect(await statuses(keys)).toEqual({ [first]: 'retired', [replacement!]: 'signing' });
    expect(await pemFiles(dir)).toEqual([`${replacement}.pem`]);
  });

  it('when the signer is retired while a rotated key still waits, then a replacement signs at once all the same', async () => {
    const { clock, keys, first } = await initialised();
    const { kid: pending } = await keys.rotate({ alg: 'EdDSA', activateInMs: ACTIVATE_IN, retainMs: RETAIN });

    const { replacement } = await keys.retire(first, 'EdDSA', RETAIN);

    expect(await signerOf(keys, clock.nowMs)).toBe(replacement);
    expect(await statuses(keys)).toMatchObject({ [first]: 'retired', [pending]: 'pending', [replacement!]: 'signing' });
  });

  it('when a rotated key is retired before it signs, then its rotation is undone: the old key keeps signing with no end, and a new rotation is allowed', async () => {
    const { clock, keys, first } = await initialised();
    const { kid: pending } = await keys.rotate({ alg: 'EdDSA', activateInMs: ACTIVATE_IN, retainMs: RETAIN });

    expect(await keys.retire(pending, 'EdDSA', RETAIN)).toEqual({ replacement: undefined });

    const byKid = Object.fromEntries((await keys.list()).map((k) => [k.kid, k]));
    expect(byKid[first]).toMatchObject({ status: 'signing', verifyUntil: undefined });
    expect(byKid[pending]).toMatchObject({ status: 'retired' });
    clock.advance(ACTIVATE_IN / 1000 + 1);
    expect(await signerOf(keys, clock.nowMs)).toBe(first);
    await expect(keys.rotate({ alg: 'EdDSA', activateInMs: 0, retainMs: RETAIN })).resolves.toMatchObject({
      retiring: [{ kid: first }],
    });
  });

  it('when the signer is retired while a rotated key waits, then the replacement ends once the waiting key signs (it is not published forever)', async () => {
    const { clock, keys, first } = await initialised();
    const { kid: pending, activatesAt } = await keys.rotate({
      alg: 'EdDSA',
      activateInMs: ACTIVATE_IN,
      retainMs: RETAIN,
    });

    const { replacement } = await keys.retire(first, 'EdDSA', RETAIN);

    const byKid = Object.fromEntries((await keys.list()).map((k) => [k.kid, k]));
    expect(byKid[replacement!]).toMatchObject({
      status: 'signing',
      verifyUntil: new Date(activatesAt.getTime() + RETAIN),
    });
    clock.advance(ACTIVATE_IN / 1000 + 1);
    expect(await signerOf(keys, clock.nowMs)).toBe(pending);
  });

  it('when the new key is retired while the old one still verifies but was pruned, then a replacement signs (the old one cannot)', async () => {
    const { clock, keys } = await initialised();
    const { kid: second } = await keys.rotate({ alg: 'EdDSA', activateInMs: ACTIVATE_IN, retainMs: RETAIN });
    clock.nowMs += ACTIVATE_IN + MINUTE;
    await keys.prune();

    const { replacement } = await keys.retire(second, 'EdDSA', RETAIN);

    expect(replacement).toBeDefined();
    expect(await signerOf(keys, clock.nowMs)).toBe(replacement);
  });

  it('when the new key is retired while the old one still verifies, then a replacement signs, not the old key whose end is set', async () => {
    const { clock, keys, first } = await initialised();
    const { kid: second } = await keys.rotate({ alg: 'EdDSA', activateInMs: ACTIVATE_IN, retainMs: RETAIN });
    clock.nowMs += ACTIVATE_IN + MINUTE;

    const { replacement } = await keys.retire(second, 'EdDSA', RETAIN);

    expect(replacement).toBeDefined();
    expect(await statuses(keys)).toEqual({ [first]: 'verify-only', [second]: 'retired', [replacement!]: 'signing' });
    // Past the old key's end something must still sign.
    clock.nowMs += RETAIN;
    expect(await signerOf(keys, clock.nowMs)).toBe(replacement);
  });

  it('when the kid is not in the schedule, then a KeyDirectoryError says so and nothing changes', async () => {
    const { dir, keys } = await initialised();
    const before = await readFile(join(dir, 'keys.json'), 'utf8');
    await expect(keys.retire('no-such-kid', 'EdDSA', RETAIN)).rejects.toThrow(
      new KeyDirectoryError('no key no-such-kid in the schedule (see `keys list`)'),
    );
    expect(await readFile(join(dir, 'keys.json'), 'utf8')).toBe(before);
  });
});

describe('KeyDirectory.prune', () => {
  it('before the new key activates, then nothing is removed', async () => {
    const { dir, keys, first } = await initialised();
    const { kid: second } = await keys.rotate({ alg: 'EdDSA', activateInMs: ACTIVATE_IN, retainMs: RETAIN });
    expect(await keys.prune()).toEqual({ entries: [], privateKeys: [] });
    expect(await pemFiles(dir)).toEqual([`${first}.pem`, `${second}.pem`].sort());
  });

  it('once a later key signs, then the old private key is deleted but the old key still verifies; past its end, its entry goes too', async () => {
    const { dir, clock, keys, first } = await initialised();
    const { kid: second } = await keys.rotate({ alg: 'EdDSA', activateInMs: ACTIVATE_IN, retainMs: RETAIN });
    clock.nowMs += ACTIVATE_IN;

    expect(await keys.prune()).toEqual({ entries: [], privateKeys: [first] });
    expect(await pemFiles(dir)).toEqual([`${second}.pem`]);
    expect((await keys.load())!.verificationKey(first, clock.nowMs)?.kid).toBe(first);

    clock.nowMs += RETAIN;
    expect(await keys.prune()).toEqual({ entries: [first], privateKeys: [] });
    expect((await readManifest(dir)).keys.map((k) => k.kid)).toEqual([second]);
    expect(await keys.list()).toEqual([expect.objectContaining({ kid: second, status: 'signing' })]);
  });

  it('when a retired entry still has its private key, then both go', async () => {
    const { dir, clock, keys, first } = await initialised();
    const { kid: second } = await keys.rotate({ alg: 'EdDSA', activateInMs: 0, retainMs: 0 });
    clock.advance(1);
    expect(await keys.prune()).toEqual({ entries: [first], privateKeys: [first] });
    expect(await pemFiles(dir)).toEqual([`${second}.pem`]);
  });

  it('when a private key cannot be deleted, then prune fails and the schedule is left as it was', async () => {
    const { dir, clock, keys, first } = await initialised();
    await keys.rotate({ alg: 'EdDSA', activateInMs: 0, retainMs: 0 });
    clock.advance(1);
    await rm(join(dir, `${first}.pem`));
    await mkdir(join(dir, `${first}.pem`));
    const before = await readFile(join(dir, 'keys.json'), 'utf8');

    await expect(keys.prune()).rejects.toMatchObject({ code: expect.stringMatching(/EISDIR/) });
    expect(await readFile(join(dir, 'keys.json'), 'utf8')).toBe(before);
  });
});

describe('KeyDirectory.list', () => {
  it('when there is no schedule, then an empty list', async () => {
    expect(await new KeyDirectory(await tempDir(), Date.now).list()).toEqual([]);
  });

  it('when no key can sign (its private key is gone), then no key is listed as signing', async () => {
    const { dir, keys, first } = await initialised();
    await rm(join(dir, `${first}.pem`));
    expect(await statuses(keys)).toEqual({ [first]: 'verify-only' });
  });
});

describe('KeyDirectory.digestSeed: what the audit name digest is keyed from', () => {
  it('then 32 bytes, kept 0600, the same on every call, from every instance, and under concurrent first calls', async () => {
    const dir = await tempDir();
    const instances = Array.from({ length: 5 }, () => new KeyDirectory(dir, Date.now));

    const seeds = await Promise.all(instances.map((k) => k.digestSeed()));

    expect(seeds[0]).toHaveLength(32);
    for (const seed of seeds) expect(seed.equals(seeds[0]!)).toBe(true);
    expect((await instances[0]!.digestSeed()).equals(seeds[0]!)).toBe(true);
    expect(await mode(join(dir, 'audit-digest.seed'))).toBe(0o600);
    expect(await readdir(dir)).toEqual(['audit-digest.seed']);
  });

  it('when the seed cannot be read, or cannot be linked into place, then a KeyDirectoryError names the file, the errno and the fix (not a stack trace)', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'audit-digest.seed'));
    const unreadable = new KeyDirectory(dir, Date.now).digestSeed();
    await expect(unreadable).rejects.toBeInstanceOf(KeyDirectoryError);
    await expect(unreadable).rejects.toThrow(
      /audit-digest\.seed cannot be read or created \(EISDIR\): make JWT_KEYS_DIR writable/,
    );

    const other = await tempDir();
    const full = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    jest.spyOn(nodeFs.promises, 'link').mockRejectedValueOnce(full);
    await expect(new KeyDirectory(other, Date.now).digestSeed()).rejects.toThrow(/\(ENOSPC\)/);
    expect(await readdir(other)).toEqual([]);

    const bug = new Error('not a file system error');
    jest.spyOn(nodeFs.promises, 'readFile').mockRejectedValueOnce(bug);
    await expect(new KeyDirectory(other, Date.now).digestSeed()).rejects.toBe(bug);
  });
});

describe('ReloadingKeySet: the service view of the directory', () => {
  const logged = () => {
    const capture = new LogCapture();
    return { capture, logger: createLogger('info', capture) };
  };

  it('when it generated the first key, then it warns, naming the kid and the directory; a second open does not', async () => {
    const dir = await tempDir();
    const clock = new FakeClock();
    const { capture, logger } = logged();

    const ring = await ReloadingKeySet.open(new KeyDirectory(dir, clock.now), 'EdDSA', clock.now, logger);
    ring.close();

    const kid = ring.signingKey(clock.nowMs).kid;
    expect(capture.entries()).toEqual([
      expect.objectContaining({
        level: 'warn',
        kid,
        dir,
        msg: expect.stringMatching(/^no signing key was configured: generated a EdDSA key in JWT_KEYS_DIR/),
      }),
    ]);
    expect(ring.publicJwks(clock.nowMs).map((k) => k.kid)).toEqual([kid]);
    expect(ring.verificationKey(kid, clock.nowMs)?.kid).toBe(kid);

    const again = logged();
    (await ReloadingKeySet.open(new KeyDirectory(dir, clock.now), 'EdDSA', clock.now, again.logger)).close();
    expect(again.capture.lines).toEqual([]);
  });

  it("when the active key's algorithm is not JWT_ALGORITHM, then it warns and says how to switch", async () => {
    const dir = await tempDir();
    const clock = new FakeClock();
    await new KeyDirectory(dir, clock.now).initialise('ES256');
    const { capture, logger } = logged();

    (await ReloadingKeySet.open(new KeyDirectory(dir, clock.now), 'EdDSA', clock.now, logger)).close();

    expect(capture.entries()).toEqual([
      expect.objectContaining({
        level: 'warn',
        alg: 'ES256',
        msg: 'the active signing key is ES256 but JWT_ALGORITHM is EdDSA: run `node dist/keys.js rotate` to switch',
      }),
    ]);
  });

  it('when keys.json changed, then reload() picks up the rotation; when it did not, reload() does nothing', async () => {
    const { dir, clock, first } = await initialised();
    const { capture, logger } = logged();
    const ring = await ReloadingKeySet.open(new KeyDirectory(dir, clock.now), 'EdDSA', clock.now, logger);
    ring.close();
    clock.advance(1);
    const { kid: second } = await new KeyDirectory(dir, clock.now).rotate({
      alg: 'EdDSA',
      activateInMs: 0,
      retainMs: RETAIN,
    });
    expect(ring.signingKey(clock.nowMs).kid).toBe(first);
    expect(ring.verificationKey(second, clock.nowMs)).toBeUndefined();

    await ring.reload();

    expect(ring.signingKey(clock.nowMs).kid).toBe(second);
    expect(ring.verificationKey(first, clock.nowMs)?.kid).toBe(first);
    expect(capture.entries()).toEqual([
      expect.objectContaining({ level: 'info', kids: [first, second], msg: 'signing key schedule reloaded' }),
    ]);
    await ring.reload();
    expect(capture.lines).toHaveLength(1);
  });

  it('when the new keys.json is corrupt, then it keeps the previous schedule and logs an error naming the problem', async () => {
    const { dir, clock, first } = await initialised();
    const { capture, logger } = logged();
    const ring = await ReloadingKeySet.open(new KeyDirectory(dir, clock.now), 'EdDSA', clock.now, logger);
    ring.close();
    await writeManifest(dir, '{"version": 1, "keys": [{"kid": "x"}]}');

    await ring.reload();

    expect(ring.signingKey(clock.nowMs).kid).toBe(first);
    expect(capture.entries()).toEqual([
      expect.objectContaining({
        level: 'error',
        err: expect.objectContaining({
          message: expect.stringMatching(/keys\.json is not a key schedule this service wrote: a kid is not/),
        }),
        msg: 'signing key schedule unreadable: keeping the previous one',
      }),
    ]);

    await rm(join(dir, 'keys.json'));
    await ring.reload();
    expect(ring.signingKey(clock.nowMs).kid).toBe(first);
    expect(capture.entries()[1]).toMatchObject({ level: 'error', err: { message: expect.stringMatching(/ENOENT/) } });
  });

  it('when the new keys.json leaves nothing that can sign now, then it is adopted all the same (a retired key stops verifying at once) and the log says no key can sign', async () => {
    const { dir, clock, first } = await initialised();
    const { capture, logger } = logged();
    const ring = await ReloadingKeySet.open(new KeyDirectory(dir, clock.now), 'EdDSA', clock.now, logger);
    ring.close();
    const manifest = await readManifest(dir);
    manifest.keys[0]!.verifyUntil = new Date(clock.nowMs - 1000).toISOString();
    await writeManifest(dir, manifest);

    await ring.reload();

    expect(ring.verificationKey(first, clock.nowMs)).toBeUndefined();
    expect(() => ring.signingKey(clock.nowMs)).toThrow(NoSigningKeyError);
    expect(capture.entries()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 'error', msg: 'signing key schedule has no active signing key' }),
      ]),
    );
  });

  it('when keys.json changes between the stat and the read and is gone, then the previous schedule stays', async () => {
    const { dir, clock, first } = await initialised();
    const directory = new KeyDirectory(dir, clock.now);
    const ring = await ReloadingKeySet.open(directory, 'EdDSA', clock.now, createLogger('silent'));
    ring.close();
    await new KeyDirectory(dir, clock.now).rotate({ alg: 'EdDSA', activateInMs: 0, retainMs: RETAIN });
    jest.spyOn(directory, 'load').mockResolvedValueOnce(undefined);

    await ring.reload();

    expect(ring.signingKey(clock.nowMs).kid).toBe(first);
  });

  it('then a running set finds a rotation on its own, every reloadMs', async () => {
    const { dir, clock } = await initialised();
    const ring = await ReloadingKeySet.open(
      new KeyDirectory(dir, clock.now),
      'EdDSA',
      clock.now,
      createLogger('silent'),
      10,
    );
    try {
      clock.advance(1);
      const { kid } = await new KeyDirectory(dir, clock.now).rotate({ alg: 'EdDSA', activateInMs: 0, retainMs: 0 });
      for (let i = 0; i < 200 && ring.signingKey(clock.nowMs).kid !== kid; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(ring.signingKey(clock.nowMs).kid).toBe(kid);
    } finally {
      ring.close();
    }
  });

  it('when JWT_KEYS_DIR cannot be created, then start-up fails with a KeyDirectoryError saying what to do', async () => {
    const base = await tempDir();
    await symlink(join(base, 'nowhere', 'keys'), join(base, 'dangling'));
    const dir = join(base, 'dangling');

    const opening = ReloadingKeySet.open(new KeyDirectory(dir, Date.now), 'EdDSA', Date.now, createLogger('silent'));

    await expect(opening).rejects.toThrow(
      new KeyDirectoryError(
        `cannot create signing keys in ${dir} (ENOENT): make JWT_KEYS_DIR a writable directory (a volume), or set JWT_PRIVATE_KEY_FILE`,
      ),
    );
  });

  it('when no key in the schedule can sign now, then start-up fails with NoSigningKeyError', async () => {
    const { dir, clock, first } = await initialised();
    await rm(join(dir, `${first}.pem`));
    await expect(
      ReloadingKeySet.open(new KeyDirectory(dir, clock.now), 'EdDSA', clock.now, createLogger('silent')),
    ).rejects.toThrow(NoSigningKeyError);
  });

  it('when keys.json is gone right after initialisation, then start-up fails saying so', async () => {
    const { dir, clock } = await initialised();
    const directory = new KeyDirectory(dir, clock.now);
    jest.spyOn(directory, 'load').mockResolvedValueOnce(undefined);
    await expect(ReloadingKeySet.open(directory, 'EdDSA', clock.now, createLogger('silent'))).rejects.toThrow(
      new KeyDirectoryError(`${dir} has no keys.json after initialisation`),
    );
  });
});
