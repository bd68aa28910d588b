// The composition root: builds every collaborator from the config, once, and hands them to
// the HTTP pipeline (src/http/app.ts) and the process (src/main.ts). Stores, clock, keys and
// logger are created here and nowhere else.
import { createHmac, createPrivateKey, createPublicKey, createSecretKey, hkdfSync, randomBytes } from 'node:crypto';
import { dictionary } from '@zxcvbn-ts/language-common';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { auditSink } from './audit-log';
import type { Config } from './config';
import { KeyDirectory, ReloadingKeySet } from './data-access/key-directory';
import { openStores, type Stores } from './data-access/stores';
import { AccountService } from './domain/account-service';
import type { AttemptCounter } from './domain/attempt-counter';
import { combineSinks, type AuthEventSink } from './domain/auth-events';
import { systemClock, type Clock } from './domain/clock';
import { Argon2Pool } from './domain/argon2-pool';
import { Argon2idHasher, type PasswordHasher } from './domain/password-hasher';
import { PasswordPolicy } from './domain/password-policy';
import { RateLimiter } from './domain/rate-limiter';
import type { RevocationStore } from './domain/revocation-store';
import { SessionService } from './domain/session-service';
import type { SessionStore } from './domain/session-store';
import { HmacKeySet, jwkThumbprint, ScheduledKeySet, type KeySet } from './domain/signing-keys';
import { TokenService } from './domain/token-service';
import type { UserStore } from './domain/user-store';
import type { AppParts } from './http/app';
import type { Contract } from './http/contract/contract';
import { loadShippedContract } from './http/contract/contract-artefact';
import { authorizationServerMetadata, type Discovery } from './http/discovery';
import { errorSummary } from './logger';
import { createMetrics, type MetricsEndpoint } from './metrics';

export interface Lifecycle {
  /** Set when shutdown begins: readiness turns false so load balancers stop sending traffic. */
  draining: boolean;
}

export interface AppDeps extends AppParts {
  readonly config: Config;
  readonly lifecycle: Lifecycle;
  /** Where GET /metrics is served (see metricsEndpoint()). */
  readonly metricsEndpoint: MetricsEndpoint;
  /** Releases what the collaborators hold (the hashing threads); after the server drained. */
  close(): Promise<void>;
}

/** Collaborators a caller (a test, a future PostgreSQL wiring) may supply instead of the defaults. */
export interface DependencyOverrides {
  readonly clock?: Clock;
  readonly users?: UserStore;
  readonly attempts?: AttemptCounter;
  readonly revocations?: RevocationStore;
  readonly sessions?: SessionStore;
  /** A whole store bundle (e.g. PostgreSQL stores a test opened); single stores above still win. */
  readonly stores?: Stores;
  readonly hasher?: PasswordHasher;
  readonly hashPool?: Argon2Pool;
  readonly contract?: Contract;
  readonly events?: AuthEventSink;
}

/**
 * The one decision of where GET /metrics is answered: only on the management port, never on
 * the public API port (its process details and login counters are not for every client).
 */
export function metricsEndpoint(config: Config['metrics'], registry: Registry | undefined): MetricsEndpoint {
  if (!config.enabled || registry === undefined) return { on: 'nowhere' };
  return { on: 'own-port', port: config.port, registry };
}

/** The configured secret, or a random one with a warning. */
function jwtSecret(secret: string | undefined, logger: Logger): Buffer {
  if (secret !== undefined) return Buffer.from(secret, 'utf8');
  logger.warn(
    'JWT_SECRET is not set: using a random secret generated at start-up; tokens will not survive a restart ' +
      'and replicas will not accept each other’s tokens. Set JWT_SECRET or JWT_SECRET_FILE in production.',
  );
  return randomBytes(64);
}

interface SigningKeys {
  readonly keys: KeySet;
  /** Secret material the audit name digest is derived from (stable across restarts when configured). */
  readonly digestSeed: Buffer;
  close(): void;
}

/** The key set the configuration names: the HMAC secret, one private key, or the key directory. */
async function signingKeys(config: Config['jwt']['signing'], clock: Clock, logger: Logger): Promise<SigningKeys> {
  switch (config.kind) {
    case 'hmac': {
      const secret = jwtSecret(config.secret, logger);
      // A KeyObject, not a string: jsonwebtoken then skips its per-call key parsing (~25x faster).
      return {
        keys: new HmacKeySet(createSecretKey(secret), config.algorithm),
        digestSeed: secret,
        close: () => undefined,
      };
    }
    case 'private-key': {
      const privateKey = createPrivateKey(config.pem);
      const publicKey = createPublicKey(privateKey);
      const keys = new ScheduledKeySet([
        {
          kid: jwkThumbprint(publicKey),
          alg: config.algorithm,
          publicKey,
          privateKey,
          activatesAt: 0,
          verifyUntil: undefined,
        },
      ]);
      return { keys, digestSeed: privateKey.export({ format: 'der', type: 'pkcs8' }), close: () => undefined };
    }
    case 'key-directory': {
      const directory = new KeyDirectory(config.dir, clock);
      const keys = await ReloadingKeySet.open(directory, config.algorithm, clock, logger);
      return { keys, digestSeed: await directory.digestSeed(), close: () => keys.close() };
    }
  }
}

/**
 * A keyed digest (HMAC-SHA256, 128 bits) for names the audit trail must not hold in clear.
 * Its key is derived (HKDF) from the signing secret, the private key or the key directory's
 * own seed, so replicas and restarts agree.
 */
function nameDigester(seed: Buffer): (name: string) => string {
  const key = Buffer.from(hkdfSync('sha256', seed, Buffer.alloc(0), 'jwt-auth-service audit name digest', 32));
  return (name) => createHmac('sha256', key).update(name, 'utf8').digest('hex').slice(0, 32);
}

/** What /.well-known answers: the RFC 8414 metadata (fixed) and the keys accepted now. */
function discovery(config: Config, keys: KeySet, clock: Clock): Discovery {
  const asymmetric = config.jwt.signing.kind !== 'hmac';
  return {
    metadata: authorizationServerMetadata({
      publicUrl: config.publicUrl,
      issuer: config.jwt.issuer,
      publishesKeys: asymmetric,
    }),
    jwks: () => ({ keys: [...keys.publicJwks(clock())] }),
  };
}

export async function createDependencies(
  config: Config,
  logger: Logger,
  overrides: DependencyOverrides = {},
): Promise<AppDeps> {
  const clock = overrides.clock ?? systemClock;
  const rl = config.rateLimit;
  // Connects and migrates first with STORE=postgres: nothing else starts before the database answers.
  const stores: Stores = overrides.stores ?? (await openStores(config.store, clock, rl.maxKeys, logger));
  if (config.store.kind === 'memory' && overrides.stores === undefined) {
    logger.warn(
      'STORE=memory: accounts, sessions and revocations live in this process only and are lost when it stops ' +
        '(a restart means everyone signs up again). Set STORE=postgres and DATABASE_URL for anything beyond a try-out.',
    );
  }
  const users = overrides.users ?? stores.users;
  const attempts = overrides.attempts ?? stores.attempts;
  const pool = overrides.hashPool ?? new Argon2Pool(config.hashing);
  // The dummy hash runs in the pool while the contract is loaded (checked at build time; here
  // only when running from src/ or when openapi.yaml changed since).
  const [hasher, contract] = await Promise.all([
    overrides.hasher ?? Argon2idHasher.create(pool, config.password.argon2),
    overrides.contract ?? loadShippedContract({ warn: (message) => logger.warn(message) }),
  ]);
  const signing = await signingKeys(config.jwt.signing, clock, logger);
  if (config.production && !config.publicUrlConfigured) {
    logger.warn(
      { publicUrl: config.publicUrl },
      'PUBLIC_URL is not set: tokens name this service as issuer by it, and the discovery metadata lists URLs under it. ' +
        'Set it to the base URL clients use (e.g. https://auth.example.com).',
    );
  }

  const metrics = config.metrics.enabled ? createMetrics() : undefined;
  const events = combineSinks(
    auditSink(logger),
    ...(metrics ? [metrics.events] : []),
    ...(overrides.events ? [overrides.events] : []),
  );
  const tokens = new TokenService({
    keys: signing.keys,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    ttlSeconds: config.jwt.accessTokenTtlSeconds,
    clockToleranceSeconds: config.jwt.clockToleranceSeconds,
    clock,
  });
  const sessions = new SessionService({
    sessions: overrides.sessions ?? stores.sessions,
    users,
    tokens,
    policy: {
      lifetimeMs: config.sessions.lifetimeSeconds * 1000,
      idleTimeoutMs:
        config.sessions.idleTimeoutSeconds === undefined ? undefined : config.sessions.idleTimeoutSeconds * 1000,
      maxPerUser: config.sessions.maxPerUser,
    },
    events,
    clock,
  });
  const accounts = new AccountService({
    users,
    hasher,
    policy: new PasswordPolicy({
      minLength: config.password.minLength,
      commonPasswords: dictionary['passwords-common'],
    }),
    tokens,
    sessions,
    revocations: overrides.revocations ?? stores.revocations,
    loginLimiter: new RateLimiter(attempts, clock, 'login', rl.enabled),
    signupLimiter: new RateLimiter(attempts, clock, 'signup', rl.enabled),
    limits: {
      login: {
        perAccountAndAddress: { max: rl.loginMaxFailuresPerAccountAndIp, windowMs: rl.loginWindowSeconds * 1000 },
        perAccount: { max: rl.loginMaxFailuresPerAccount, windowMs: rl.loginWindowSeconds * 1000 },
        perAddress: { max: rl.loginMaxFailuresPerIp, windowMs: rl.loginWindowSeconds * 1000 },
      },
      signupPerAddress: { max: rl.signupMaxPerIp, windowMs: rl.signupWindowSeconds * 1000 },
    },
    nameDigest: nameDigester(signing.digestSeed),
    events,
    clock,
  });

  const lifecycle: Lifecycle = { draining: false };
  const isReady = async (): Promise<boolean> => {
    if (lifecycle.draining) return false;
    try {
      await (overrides.users ? overrides.users.ping() : stores.ping());
      return true;
    } catch (err) {
      logger.warn({ err: errorSummary(err) }, 'store unreachable: not ready');
      return false;
    }
  };

  return {
    config,
    http: config.http,
    logger,
    contract,
    accounts,
    sessions,
    isReady,
    discovery: discovery(config, signing.keys, clock),
    lifecycle,
    metrics,
    metricsEndpoint: metricsEndpoint(config.metrics, metrics?.registry),
    // What the caller supplied is the caller's to close.
    close: async () => {
      signing.close();
      await Promise.all([overrides.stores ? undefined : stores.close(), overrides.hashPool ? undefined : pool.close()]);
    },
  };
}
