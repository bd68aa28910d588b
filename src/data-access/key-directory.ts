// The rotating signing keys of an asymmetric deployment, kept in a directory (JWT_KEYS_DIR; a
// volume in compose):
//   keys.json     the schedule: every key's kid, algorithm, public JWK and times (no secret)
//   <kid>.pem     the private key (PKCS#8, mode 0600) of each key that may still sign
//   audit-digest.seed  random bytes the audit trail's name digest is keyed from
// The service reads it (and generates the first key at first start); `node dist/keys.js`
// rotates, retires and prunes. Writes are atomic (a new file renamed over the old), so a
// reader never sees half a schedule; the commands hold keys.lock while they change it.
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  type KeyObject,
} from 'node:crypto';
import { constants as fsConstants, promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock';
import {
  jwkThumbprint,
  privateKeyProblem,
  publicJwk,
  ScheduledKeySet,
  type AsymmetricAlgorithm,
  type KeySet,
  type PublicJwk,
  type ScheduledKey,
  type SigningKey,
  type VerificationKey,
} from '../domain/signing-keys';

const MANIFEST = 'keys.json';
const LOCK = 'keys.lock';
const DIGEST_SEED = 'audit-digest.seed';
/** An RFC 7638 SHA-256 thumbprint in base64url: the only kids this directory holds. */
const KID = /^[A-Za-z0-9_-]{43}$/;
const ALGORITHMS: ReadonlySet<string> = new Set<AsymmetricAlgorithm>(['EdDSA', 'ES256', 'RS256']);

interface ManifestEntry {
  readonly kid: string;
  readonly alg: AsymmetricAlgorithm;
  readonly createdAt: string;
  readonly activatesAt: string;
  readonly verifyUntil: string | null;
  /** The kid of the later key whose rotation set `verifyUntil` (undone if that key is retired before it signs). */
  readonly endedBy?: string;
  readonly publicKey: PublicJwk;
}

interface Manifest {
  readonly version: 1;
  readonly keys: readonly ManifestEntry[];
}

/** The directory or its schedule cannot be used; the message says what to do. */
export class KeyDirectoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyDirectoryError';
  }
}

/** A new private key for `alg` (RS256: 3072 bits, NIST's size beyond 2030). */
export function generatePrivateKey(alg: AsymmetricAlgorithm): KeyObject {
  switch (alg) {
    case 'EdDSA':
      return generateKeyPairSync('ed25519').privateKey;
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    case 'RS256':
      return generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey;
  }
}

export interface KeyStatus {
  readonly kid: string;
  readonly alg: AsymmetricAlgorithm;
  readonly status: 'pending' | 'signing' | 'verify-only' | 'retired';
  readonly activatesAt: Date;
  readonly verifyUntil: Date | undefined;
}

export class KeyDirectory {
  constructor(
    readonly dir: string,
    private readonly clock: Clock,
  ) {}

  private path(name: string): string {
    return join(this.dir, name);
  }

  /** The schedule, or undefined when the directory has none yet. */
  async readManifest(): Promise<Manifest | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.path(MANIFEST), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new KeyDirectoryError(
        `${this.path(MANIFEST)} cannot be read (${(err as NodeJS.ErrnoException).code}): ` +
          'make JWT_KEYS_DIR a directory this user can read and write (a volume), or set JWT_PRIVATE_KEY_FILE',
      );
    }
    return parseManifest(text, this.path(MANIFEST));
  }

  /** The key set the schedule describes, with the private keys of the keys that may still sign. */
  async load(): Promise<ScheduledKeySet | undefined> {
    const manifest = await this.readManifest();
    if (manifest === undefined) return undefined;
    const now = this.clock();
    const keys = await Promise.all(
      manifest.keys.map(async (entry): Promise<ScheduledKey> => {
        const verifyUntil = entry.verifyUntil === null ? undefined : Date.parse(entry.verifyUntil);
        const mayStillSign = verifyUntil === undefined || now < verifyUntil;
        return {
          kid: entry.kid,
          alg: entry.alg,
          publicKey: createPublicKey({ key: { ...entry.publicKey }, format: 'jwk' }),
          privateKey: mayStillSign ? await this.readPrivateKey(entry) : undefined,
          activatesAt: Date.parse(entry.activatesAt),
          verifyUntil,
        };
      }),
    );
    return new ScheduledKeySet(keys);
  }

  private async readPrivateKey(entry: ManifestEntry): Promise<KeyObject | undefined> {
    let pem: string;
    try {
      pem = await fs.readFile(this.path(`${entry.kid}.pem`), 'utf8');
    } catch (err) {
      // Pruned: the key no longer signs, its public half in the schedule still verifies.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new KeyDirectoryError(
        `the private key ${entry.kid}.pem cannot be read (${(err as NodeJS.ErrnoException).code})`,
      );
    }
    let key: KeyObject;
    try {
      key = createPrivateKey(pem);
    } catch {
      throw new KeyDirectoryError(
        `${entry.kid}.pem is not a PEM private key: restore it from a backup, or retire ${entry.kid}`,
      );
    }
    if (jwkThumbprint(createPublicKey(key)) !== entry.kid) {
      throw new KeyDirectoryError(
        `${entry.kid}.pem does not hold the key its name and keys.json say (thumbprint mismatch)`,
      );
    }
    return key;
  }

  /**
   * First start: creates the directory and a first key, active at once, unless a schedule
   * exists. Replicas starting together on one volume race safely: the first to link its
   * schedule into place wins and the others load it. Returns the kid it created, if any.
   */
  async initialise(alg: AsymmetricAlgorithm): Promise<string | undefined> {
    if ((await this.readManifest()) !== undefined) return undefined;
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const key = generatePrivateKey(alg);
    const entry = await this.writePrivateKey(key, alg, this.clock());
    const temp = this.path(`.${MANIFEST}.${randomUUID()}`);
    await fs.writeFile(temp, serialise({ version: 1, keys: [entry] }), { mode: 0o644 });
    try {
      await fs.link(temp, this.path(MANIFEST));
      return entry.kid;
    } catch (err) {
      // Lost the race (EEXIST: load the winner's), or failed: either way this key is no one's.
      await fs.rm(this.path(`${entry.kid}.pem`), { force: true });
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return undefined;
    } finally {
      await fs.rm(temp, { force: true });
    }
  }

  /** Every key with its state now. */
  async list(): Promise<KeyStatus[]> {
    const manifest = await this.readManifest();
    if (manifest === undefined) return [];
    const set = await this.load();
    const now = this.clock();
    const signer = safeSigner(set, now);
    return manifest.keys.map((e) => {
      const activatesAt = Date.parse(e.activatesAt);
      const verifyUntil = e.verifyUntil === null ? undefined : Date.parse(e.verifyUntil);
      const status =
        verifyUntil !== undefined && now >= verifyUntil
          ? 'retired'
          : e.kid === signer
            ? 'signing'
            : activatesAt > now
              ? 'pending'
              : 'verify-only';
      return {
        kid: e.kid,
        alg: e.alg,
        status,
        activatesAt: new Date(activatesAt),
        verifyUntil: verifyUntil === undefined ? undefined : new Date(verifyUntil),
      };
    });
  }

  /**
   * Adds a key that is published at once and signs from `activateInMs` on; every older key
   * that has no end yet stops verifying `retainMs` after the new key activates (by then every
   * token it signed has expired). Returns the new kid and the ends it set.
   */
  async rotate(options: {
    readonly alg: AsymmetricAlgorithm;
    readonly activateInMs: number;
    readonly retainMs: number;
    /** A key made elsewhere (an HSM export, `openssl genpkey`); otherwise one is generated. */
    readonly privateKey?: KeyObject;
  }): Promise<{
    readonly kid: string;
    readonly activatesAt: Date;
    readonly retiring: ReadonlyArray<{ kid: string; verifyUntil: Date }>;
  }> {
    return this.locked(async (manifest) => {
      const now = this.clock();
      const pending = manifest.keys.find((k) => Date.parse(k.activatesAt) > now && isLive(k, now));
      if (pending !== undefined) {
        throw new KeyDirectoryError(
          `key ${pending.kid} already waits to sign (from ${pending.activatesAt}): another rotation now would switch ` +
            'keys twice. Wait until it signs, or retire it first',
        );
      }
      const { keys, kid, activatesAt, retiring } = await this.addKey(manifest.keys, { ...options, now });
      return { manifest: { version: 1, keys }, result: { kid, activatesAt: new Date(activatesAt), retiring } };
    });
  }

  /**
   * The schedule with a new key that signs from `now + activateInMs`. Every key without an
   * end that activated before it ends `retainMs` after it activates; if a later key is already
   * scheduled (retire's replacement while a rotation is pending), the new key ends likewise
   * once that one signs.
   */
  private async addKey(
    current: readonly ManifestEntry[],
    options: {
      readonly alg: AsymmetricAlgorithm;
      readonly activateInMs: number;
      readonly retainMs: number;
      readonly privateKey?: KeyObject;
      readonly now: number;
    },
  ): Promise<{
    keys: ManifestEntry[];
    kid: string;
    activatesAt: number;
    retiring: Array<{ kid: string; verifyUntil: Date }>;
  }> {
    const key = options.privateKey ?? generatePrivateKey(options.alg);
    const problem = privateKeyProblem(key, options.alg);
    if (problem !== undefined) throw new KeyDirectoryError(`the new key ${problem}`);
    const kid = jwkThumbprint(createPublicKey(key));
    if (current.some((k) => k.kid === kid)) throw new KeyDirectoryError(`key ${kid} is already in the schedule`);
    const activatesAt = options.now + options.activateInMs;
    const verifyUntil = new Date(activatesAt + options.retainMs).toISOString();
    const retiring: Array<{ kid: string; verifyUntil: Date }> = [];
    const keys = current.map((k) => {
      if (k.verifyUntil !== null || Date.parse(k.activatesAt) > activatesAt) return k;
      retiring.push({ kid: k.kid, verifyUntil: new Date(verifyUntil) });
      return { ...k, verifyUntil, endedBy: kid };
    });
    const later = current.find((k) => Date.parse(k.activatesAt) > activatesAt && isLive(k, options.now));
    const entry = await this.writePrivateKey(key, options.alg, activatesAt);
    const ended =
      later === undefined
        ? entry
        : {
            ...entry,
            verifyUntil: new Date(Date.parse(later.activatesAt) + options.retainMs).toISOString(),
            endedBy: later.kid,
          };
    return { keys: [...keys, ended], kid, activatesAt, retiring };
  }

  /**
   * Stops accepting `kid` now (a compromised key). When that leaves nothing to sign with, a
   * new key is added and activated at once, so the service keeps issuing tokens.
   */
  async retire(
    kid: string,
    alg: AsymmetricAlgorithm,
    retainMs: number,
  ): Promise<{ readonly replacement: string | undefined }> {
    return this.locked(async (manifest) => {
      const now = this.clock();
      const target = manifest.keys.find((k) => k.kid === kid);
      if (target === undefined) throw new KeyDirectoryError(`no key ${kid} in the schedule (see \`keys list\`)`);
      const pending = Date.parse(target.activatesAt) > now;
      const keys = manifest.keys.map((k) => {
        if (k.kid === kid) return { ...k, verifyUntil: new Date(now).toISOString() };
        // Retiring a key before it signs undoes its rotation: the keys it was to replace go on.
        if (pending && k.endedBy === kid) return { ...k, verifyUntil: null, endedBy: undefined };
        return k;
      });
      // Only an active key with no end keeps the service signing: one whose end is set (the key a
      // rotation replaced) has lost its private key to `prune` or soon will, and stops at its end.
      const stillSigns = keys.some((k) => k.verifyUntil === null && Date.parse(k.activatesAt) <= now);
      // In the same write as the retirement: no replica ever sees a schedule that cannot sign.
      const added = stillSigns ? undefined : await this.addKey(keys, { alg, activateInMs: 0, retainMs, now });
      await fs.rm(this.path(`${kid}.pem`), { force: true });
      return { manifest: { version: 1, keys: added?.keys ?? keys }, result: { replacement: added?.kid } };
    });
  }

  /**
   * Deletes what is no longer needed: schedule entries past their end, and the private keys
   * of keys that will never sign again (a later key has activated). Returns what it removed.
   */
  async prune(): Promise<{ readonly entries: readonly string[]; readonly privateKeys: readonly string[] }> {
    return this.locked(async (manifest) => {
      const now = this.clock();
      const live = manifest.keys.filter((k) => k.verifyUntil === null || Date.parse(k.verifyUntil) > now);
      const entries = manifest.keys.filter((k) => !live.includes(k)).map((k) => k.kid);
      const newestActive = Math.max(...live.map((k) => Date.parse(k.activatesAt)).filter((t) => t <= now));
      const privateKeys: string[] = [...entries];
      for (const k of live) {
        if (k.verifyUntil !== null && Date.parse(k.activatesAt) < newestActive) privateKeys.push(k.kid);
      }
      const removed: string[] = [];
      for (const kid of privateKeys) {
        try {
          await fs.rm(this.path(`${kid}.pem`));
          removed.push(kid);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
      return { manifest: { version: 1, keys: live }, result: { entries, privateKeys: removed } };
    });
  }

  private async writePrivateKey(key: KeyObject, alg: AsymmetricAlgorithm, activatesAt: number): Promise<ManifestEntry> {
    const publicKey = createPublicKey(key);
    const kid = jwkThumbprint(publicKey);
    const pem = key.export({ format: 'pem', type: 'pkcs8' }).toString();
    await fs.writeFile(this.path(`${kid}.pem`), pem, { mode: 0o600, flag: 'wx' });
    return {
      kid,
      alg,
      createdAt: new Date(this.clock()).toISOString(),
      activatesAt: new Date(activatesAt).toISOString(),
      verifyUntil: null,
      publicKey: publicJwk(publicKey, kid, alg),
    };
  }

  /** Runs `change` on the schedule under keys.lock and writes what it returns, atomically. */
  private async locked<T>(change: (manifest: Manifest) => Promise<{ manifest: Manifest; result: T }>): Promise<T> {
    const manifest = await this.readManifest();
    if (manifest === undefined) {
      throw new KeyDirectoryError(
        `${this.dir} has no ${MANIFEST}: start the service once (it creates the first key), or check JWT_KEYS_DIR`,
      );
    }
    let lock: fs.FileHandle;
    try {
      lock = await fs.open(this.path(LOCK), fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      throw new KeyDirectoryError(
        `${this.path(LOCK)} exists: another keys command is running (if none is, delete the file)`,
      );
    }
    try {
      await lock.writeFile(String(process.pid));
      // Read again under the lock: the first read only proved a schedule exists.
      const current = (await this.readManifest()) ?? manifest;
      const { manifest: next, result } = await change(current);
      const temp = this.path(`.${MANIFEST}.${randomUUID()}`);
      await fs.writeFile(temp, serialise(next), { mode: 0o644 });
      await fs.rename(temp, this.path(MANIFEST));
      return result;
    } finally {
      await lock.close();
      await fs.rm(this.path(LOCK), { force: true });
    }
  }

  /**
   * 32 random bytes kept beside the keys (created once, like the first key: linked into place
   * so concurrent first starts agree): the seed of the audit name digest, which must outlive
   * key rotations.
   */
  async digestSeed(): Promise<Buffer> {
    try {
      return await this.readOrCreateSeed();
    } catch (err) {
      if (!isFileSystemError(err)) throw err;
      throw new KeyDirectoryError(
        `${this.path(DIGEST_SEED)} cannot be read or created (${(err as NodeJS.ErrnoException).code}): ` +
          'make JWT_KEYS_DIR writable by this user (a volume), or create the file once with 32 random bytes',
      );
    }
  }

  private async readOrCreateSeed(): Promise<Buffer> {
    const path = this.path(DIGEST_SEED);
    try {
      return await fs.readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const temp = this.path(`.${DIGEST_SEED}.${randomUUID()}`);
    await fs.writeFile(temp, randomBytes(32), { mode: 0o600 });
    try {
      await fs.link(temp, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      await fs.rm(temp, { force: true });
    }
    return fs.readFile(path);
  }

  /** What identifies the schedule's current version, cheaply (one stat). */
  async version(): Promise<string> {
    const s = await fs.stat(this.path(MANIFEST));
    return `${s.ino}:${s.mtimeMs}:${s.size}`;
  }
}

function safeSigner(set: ScheduledKeySet | undefined, now: number): string | undefined {
  try {
    return set?.signingKey(now).kid;
  } catch {
    return undefined;
  }
}

/** An errno from the file system (EACCES, EROFS, ENOSPC…), not a bug of ours. */
export const isFileSystemError = (err: unknown): boolean => /^E[A-Z]+$/.test((err as NodeJS.ErrnoException).code ?? '');

const serialise = (manifest: Manifest): string => `${JSON.stringify(manifest, null, 2)}\n`;

const isLive = (k: ManifestEntry, now: number): boolean => k.verifyUntil === null || Date.parse(k.verifyUntil) > now;

function parseManifest(text: string, path: string): Manifest {
  const bad = (why: string) => new KeyDirectoryError(`${path} is not a key schedule this service wrote: ${why}`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  const manifest = data as Partial<Manifest>;
  if (manifest.version !== 1 || !Array.isArray(manifest.keys)) throw bad('no version 1 "keys" list');
  for (const k of manifest.keys as Partial<ManifestEntry>[]) {
    if (typeof k.kid !== 'string' || !KID.test(k.kid)) throw bad(`a kid is not an RFC 7638 thumbprint`);
    if (typeof k.alg !== 'string' || !ALGORITHMS.has(k.alg)) throw bad(`key ${k.kid} has algorithm ${String(k.alg)}`);
    for (const time of [k.createdAt, k.activatesAt, ...(k.verifyUntil === null ? [] : [k.verifyUntil])]) {
      if (typeof time !== 'string' || Number.isNaN(Date.parse(time)))
        throw bad(`key ${k.kid} has a time that is not ISO 8601`);
    }
    if (typeof k.publicKey !== 'object' || k.publicKey === null) throw bad(`key ${k.kid} has no public key`);
    if (k.endedBy !== undefined && (typeof k.endedBy !== 'string' || !KID.test(k.endedBy)))
      throw bad(`key ${k.kid} is ended by something that is not a kid`);
    let kid: string;
    try {
      kid = jwkThumbprint(createPublicKey({ key: { ...k.publicKey }, format: 'jwk' }));
    } catch {
      throw bad(`key ${k.kid}'s public key is not a JWK`);
    }
    if (kid !== k.kid) throw bad(`key ${k.kid}'s public key has thumbprint ${kid}`);
    try {
      publicJwk(createPublicKey({ key: { ...k.publicKey }, format: 'jwk' }), k.kid, k.alg);
    } catch {
      throw bad(`key ${k.kid} is not a key for ${k.alg}`);
    }
  }
  return manifest as Manifest;
}

/**
 * The service's view of a key directory: loaded at start (creating the first key when there
 * is none), then re-read whenever keys.json changes (checked every `reloadMs` with one stat),
 * so a rotation reaches every replica sharing the volume without a restart.
 */
export class ReloadingKeySet implements KeySet {
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly directory: KeyDirectory,
    private current: ScheduledKeySet,
    private version: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  static async open(
    directory: KeyDirectory,
    alg: AsymmetricAlgorithm,
    clock: Clock,
    logger: Logger,
    reloadMs = 2000,
  ): Promise<ReloadingKeySet> {
    let created: string | undefined;
    try {
      created = await directory.initialise(alg);
    } catch (err) {
      if (!isFileSystemError(err)) throw err;
      throw new KeyDirectoryError(
        `cannot create signing keys in ${directory.dir} (${(err as NodeJS.ErrnoException).code ?? String(err)}): ` +
          'make JWT_KEYS_DIR a writable directory (a volume), or set JWT_PRIVATE_KEY_FILE',
      );
    }
    if (created !== undefined) {
      logger.warn(
        { kid: created, dir: directory.dir },
        `no signing key was configured: generated a ${alg} key in JWT_KEYS_DIR. Keep that directory on a persistent ` +
          'volume shared by every replica (or set JWT_PRIVATE_KEY_FILE), or tokens will not survive a restart',
      );
    }
    const set = await directory.load();
    if (set === undefined) throw new KeyDirectoryError(`${directory.dir} has no keys.json after initialisation`);
    // Throws NoSigningKeyError when nothing can sign: the service does not start without a signer.
    const active = set.signingKey(clock());
    const version = await directory.version();
    const ring = new ReloadingKeySet(directory, set, version, clock, logger);
    if (active.alg !== alg) {
      logger.warn(
        { kid: active.kid, alg: active.alg },
        `the active signing key is ${active.alg} but JWT_ALGORITHM is ${alg}: run \`node dist/keys.js rotate\` to switch`,
      );
    }
    ring.timer = setInterval(() => void ring.reload(), reloadMs);
    ring.timer.unref();
    return ring;
  }

  /** Re-reads the schedule if keys.json changed; keeps the current one if the new one is unusable. */
  async reload(): Promise<void> {
    try {
      const version = await this.directory.version();
      if (version === this.version) return;
      const next = await this.directory.load();
      if (next === undefined) return;
      // Adopted even when nothing in it can sign now (a hand edit): a key retired there must stop
      // verifying at once; logins fail until a key is added, and the log says why.
      this.current = next;
      try {
        next.signingKey(this.clock());
      } catch (err) {
        this.logger.error(
          { err: { message: (err as Error).message } },
          'signing key schedule has no active signing key',
        );
      }
      this.version = version;
      this.logger.info({ kids: next.keys.map((k) => k.kid) }, 'signing key schedule reloaded');
    } catch (err) {
      this.logger.error(
        { err: { message: (err as Error).message } },
        'signing key schedule unreadable: keeping the previous one',
      );
    }
  }

  signingKey(now: number): SigningKey {
    return this.current.signingKey(now);
  }

  verificationKey(kid: string, now: number): VerificationKey | undefined {
    return this.current.verificationKey(kid, now);
  }

  publicJwks(now: number): readonly PublicJwk[] {
    return this.current.publicJwks(now);
  }

  close(): void {
    clearInterval(this.timer);
  }
}
