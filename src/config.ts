// The only module that reads process.env (and the files *_FILE variables name): parses it
// once into a typed, frozen Config.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isIP } from 'node:net';
import { z } from 'zod';
import { createPrivateKey } from 'node:crypto';
import { weakSecretProblem } from './secret-policy';
import { exitWithFatal } from './startup-failure';
import {
  isAsymmetric,
  JWT_ALGORITHMS,
  privateKeyProblem,
  type AsymmetricAlgorithm,
  type HmacAlgorithm,
  type JwtAlgorithm,
} from './domain/signing-keys';

export { JWT_ALGORITHMS, type JwtAlgorithm };

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const emptyToUndefined = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const integer = (min: number, max: number, fallback: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).default(fallback));

const boolean = (fallback: boolean) =>
  z.preprocess(
    emptyToUndefined,
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
      .default(fallback ? 'true' : 'false')
      .transform((v) => ['true', '1', 'yes', 'on'].includes(v)),
  );

const text = (fallback: string) => z.preprocess(emptyToUndefined, z.string().trim().min(1).default(fallback));

/** An absolute http(s) URL without query or fragment, kept without a trailing slash. */
const httpUrl = z.string().transform((value, ctx) => {
  let url: URL | undefined;
  try {
    url = new URL(value.trim());
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be an absolute http(s) URL without query or fragment, e.g. https://auth.example.com',
    });
    return value;
  }
  return url.href.replace(/\/$/, '');
});

const list = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    ),
);

const envSchema = z
  .object({
    NODE_ENV: z.preprocess(emptyToUndefined, z.string().default('development')),
    PORT: integer(0, 65535, 8000),
    HOST: text('0.0.0.0'),
    LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(LOG_LEVELS).default('info')),
    JWT_SECRET: z.preprocess(emptyToUndefined, z.string().optional()),
    JWT_SECRET_FILE: z.preprocess(emptyToUndefined, z.string().optional()),
    JWT_ALGORITHM: z.preprocess(emptyToUndefined, z.enum(JWT_ALGORITHMS).default('HS256')),
    JWT_PRIVATE_KEY: z.preprocess(emptyToUndefined, z.string().optional()),
    JWT_PRIVATE_KEY_FILE: z.preprocess(emptyToUndefined, z.string().optional()),
    JWT_KEYS_DIR: text('var/keys'),
    PUBLIC_URL: z.preprocess(emptyToUndefined, httpUrl.optional()),
    JWT_ISSUER: z.preprocess(emptyToUndefined, httpUrl.optional()),
    JWT_AUDIENCE: text('jwt-auth-service'),
    ACCESS_TOKEN_EXPIRE_MINUTES: integer(1, 24 * 60, 30),
    JWT_CLOCK_TOLERANCE_SECONDS: integer(0, 300, 5),
    REFRESH_TOKEN_EXPIRE_DAYS: integer(1, 365, 14),
    // 0: no idle timeout.
    REFRESH_TOKEN_IDLE_TIMEOUT_MINUTES: integer(0, 365 * 24 * 60, 0),
    SESSIONS_MAX_PER_USER: integer(1, 1000, 50),
    PASSWORD_MIN_LENGTH: integer(8, 64, 8),
    ARGON2_MEMORY_KIB: integer(19456, 4 * 1024 * 1024, 19456),
    ARGON2_TIME_COST: integer(2, 100, 2),
    ARGON2_PARALLELISM: integer(1, 16, 1),
    CORS_ORIGINS: list,
    TRUST_PROXY: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .default('false')
        .transform((value, ctx) => parseTrustProxy(value, ctx)),
    ),
    RATE_LIMIT_ENABLED: boolean(true),
    LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP: integer(1, 1_000_000, 10),
    LOGIN_MAX_FAILURES_PER_ACCOUNT: integer(1, 1_000_000, 100),
    LOGIN_MAX_FAILURES_PER_IP: integer(1, 1_000_000, 100),
    LOGIN_FAILURE_WINDOW_SECONDS: integer(1, 86_400, 900),
    SIGNUP_MAX_PER_IP: integer(1, 1_000_000, 20),
    SIGNUP_WINDOW_SECONDS: integer(1, 86_400, 3600),
    THROTTLE_MAX_KEYS: integer(1000, 10_000_000, 100_000),
    // One per core, at most 4 by default: each hash holds ARGON2_MEMORY_KIB (19 MiB).
    HASH_THREADS: integer(1, 64, Math.min(4, availableParallelism())),
    HASH_QUEUE_LIMIT: integer(0, 10_000, 32),
    HASH_NICE: integer(0, 19, 19),
    VALIDATE_RESPONSES: boolean(true),
    MAX_HEADER_BYTES: integer(4096, 65536, 16384),
    SHUTDOWN_TIMEOUT_MS: integer(0, 120_000, 10_000),
    LAME_DUCK_MS: integer(0, 60_000, 2_000),
    METRICS_ENABLED: boolean(true),
    METRICS_PORT: integer(0, 65535, 9000),
    STORE: z.preprocess(emptyToUndefined, z.enum(['memory', 'postgres']).default('memory')),
    DATABASE_URL: z.preprocess(emptyToUndefined, z.string().optional()),
    DATABASE_URL_FILE: z.preprocess(emptyToUndefined, z.string().optional()),
    DATABASE_POOL_MAX: integer(1, 1000, 10),
    DATABASE_CONNECT_TIMEOUT_MS: integer(100, 120_000, 5_000),
    DATABASE_STATEMENT_TIMEOUT_MS: integer(100, 600_000, 5_000),
    DATABASE_STARTUP_TIMEOUT_SECONDS: integer(0, 3_600, 60),
    MIGRATE_ON_START: boolean(true),
  })
  .superRefine((env, ctx) => {
    const idle = env.REFRESH_TOKEN_IDLE_TIMEOUT_MINUTES;
    if (idle !== 0 && idle <= env.ACCESS_TOKEN_EXPIRE_MINUTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['REFRESH_TOKEN_IDLE_TIMEOUT_MINUTES'],
        message: `must be longer than ACCESS_TOKEN_EXPIRE_MINUTES (${env.ACCESS_TOKEN_EXPIRE_MINUTES}), or 0 for none: a client that refreshes when its access token expires would otherwise always find its session timed out`,
      });
    }
    for (const [value, file] of [
      ['JWT_SECRET', 'JWT_SECRET_FILE'],
      ['JWT_PRIVATE_KEY', 'JWT_PRIVATE_KEY_FILE'],
      ['DATABASE_URL', 'DATABASE_URL_FILE'],
    ] as const) {
      if (env[value] !== undefined && env[file] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [file],
          message: `and ${value} are both set; set one (the file keeps the secret out of \`docker inspect\`)`,
        });
      }
    }
    const asymmetric = isAsymmetric(env.JWT_ALGORITHM);
    // The secret of the other kind of algorithm, named by whichever of its two forms is set.
    const [wrongNames, wrongKind] = asymmetric
      ? ([
          ['JWT_SECRET', 'JWT_SECRET_FILE'],
          `is an HMAC secret; ${env.JWT_ALGORITHM} signs with a private key: set JWT_PRIVATE_KEY(_FILE), or neither to use the key directory JWT_KEYS_DIR`,
        ] as const)
      : ([
          ['JWT_PRIVATE_KEY', 'JWT_PRIVATE_KEY_FILE'],
          `is for EdDSA, ES256 or RS256; ${env.JWT_ALGORITHM} signs with JWT_SECRET`,
        ] as const);
    for (const name of wrongNames) {
      if (env[name] !== undefined) ctx.addIssue({ code: 'custom', path: [name], message: wrongKind });
    }
    if (env.STORE === 'postgres' && env.DATABASE_URL === undefined && env.DATABASE_URL_FILE === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message: 'is required with STORE=postgres (or DATABASE_URL_FILE): e.g. postgres://user:password@host:5432/db',
      });
    }
  });

/** Every variable the service reads. */
const KNOWN_VARIABLES: readonly string[] = Object.keys(envSchema.shape);
/** The prefixes of our variables: an unknown name with one of these is almost surely a typo. */
const OUR_PREFIXES = [
  'JWT_',
  'DATABASE_',
  'ARGON2_',
  'LOGIN_',
  'SIGNUP_',
  'HASH_',
  'METRICS_',
  'REFRESH_TOKEN_',
  'ACCESS_TOKEN_',
  'SESSIONS_',
  'PASSWORD_',
  'RATE_LIMIT_',
  'THROTTLE_',
  'SHUTDOWN_',
  'LAME_DUCK_',
  'MIGRATE_',
];

/**
 * What Kubernetes injects for every Service in the namespace (`JWT_AUTH_SERVICE_PORT_8000_TCP_ADDR`,
 * `JWT_AUTH_SERVICE_SERVICE_HOST`…): a Service named after us would otherwise look like our typos.
 */
const KUBERNETES_SERVICE_VARIABLE =
  /_SERVICE_(HOST|PORT)(_[A-Z0-9_]+)?$|_PORT(_\d+_(TCP|UDP|SCTP)(_(ADDR|PORT|PROTO))?)?$/;

/**
 * Optimal string alignment distance (insertions, deletions, substitutions, adjacent swaps), or
 * `bound + 1` as soon as it is known to exceed `bound` (a row's minimum never decreases).
 */
function editDistance(a: string, b: string, bound: number): number {
  // Three rows of the table: i - 2 (for swaps), i - 1 and i.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    row[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, before[j - 2]! + 1);
      row[j] = best;
      rowMin = Math.min(rowMin, best);
    }
    if (rowMin > bound) return bound + 1;
    [before, previous, row] = [previous, row, before];
  }
  return previous[b.length]!;
}

/**
 * Variables that look like ours but are not (`JWT_SECRETT`, `JWT_KEY_DIR`, `LOG_LEVLE`): set,
 * they would be ignored in silence. An unknown name with one of our prefixes, or within a
 * small edit distance of a known name (1 for names of 5 to 7 characters, 2 from 8 on; none for
 * shorter names, so PATH is never taken for PORT), with the known name it most likely meant.
 */
export function lookalikeVariables(env: NodeJS.ProcessEnv): Array<{ readonly name: string; readonly meant: string }> {
  const found: Array<{ name: string; meant: string }> = [];
  for (const name of Object.keys(env)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(name) || KNOWN_VARIABLES.includes(name) || KUBERNETES_SERVICE_VARIABLE.test(name))
      continue;
    // The _FILE forms of our secrets are ours too.
    if (name.endsWith('_FILE') && KNOWN_VARIABLES.includes(name.slice(0, -5))) continue;
    const allowed = name.length >= 8 ? 2 : name.length >= 5 ? 1 : 0;
    const prefixed = OUR_PREFIXES.some((p) => name.startsWith(p));
    const nearest = nearestKnownVariable(name, prefixed ? Infinity : allowed);
    if (nearest !== undefined) found.push({ name, meant: nearest });
  }
  return found;
}

/**
 * The known name nearest to `name` (the first in KNOWN_VARIABLES among equals) if it is within
 * `within` edits. A name whose length differs by more than that, or than the best found so
 * far, cannot be nearer (every insertion or deletion is an edit): it is skipped, which spares
 * the distance over most of a process's environment (PATH, HOME…), at every start.
 */
function nearestKnownVariable(name: string, within: number): string | undefined {
  let best: { known: string; distance: number } | undefined;
  for (const known of KNOWN_VARIABLES) {
    const bound = Math.min(within, best === undefined ? Infinity : best.distance - 1);
    if (Math.abs(known.length - name.length) > bound) continue;
    const distance = editDistance(name, known, bound);
    if (distance <= bound) best = { known, distance };
  }
  return best?.known;
}

/** Where accounts, sessions, revocations and throttle counters live. */
export type StoreConfig =
  | { readonly kind: 'memory' }
  | {
      readonly kind: 'postgres';
      /** A secret (it holds the password): never logged. */
      readonly url: string;
      readonly poolMax: number;
      readonly connectTimeoutMs: number;
      readonly statementTimeoutMs: number;
      /** How long start-up retries an unreachable database before giving up. */
      readonly startupTimeoutMs: number;
      /** Apply pending migrations at start-up (under an advisory lock); false: refuse to start if any. */
      readonly migrateOnStart: boolean;
    };

/** Where the keys that sign access tokens come from. */
export type SigningConfig =
  | {
      readonly kind: 'hmac';
      readonly algorithm: HmacAlgorithm;
      /** undefined: none configured; the composition root generates one per process. */
      readonly secret: string | undefined;
    }
  | {
      /** One private key from JWT_PRIVATE_KEY(_FILE): a secret, never logged. */
      readonly kind: 'private-key';
      readonly algorithm: AsymmetricAlgorithm;
      readonly pem: string;
    }
  | {
      /** The rotating key set in a directory (src/data-access/key-directory.ts). */
      readonly kind: 'key-directory';
      readonly algorithm: AsymmetricAlgorithm;
      readonly dir: string;
    };

export interface Config {
  /** Not errors, but worth a warning at start-up (variables that look like ours but are not). */
  readonly warnings: readonly string[];
  readonly port: number;
  readonly host: string;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /** The base URL clients reach the service at: `iss`, and every URL in the discovery metadata. */
  readonly publicUrl: string;
  /** false: PUBLIC_URL was not set and http://localhost:PORT is assumed (warned in production). */
  readonly publicUrlConfigured: boolean;
  /** NODE_ENV=production (the image sets it). */
  readonly production: boolean;
  readonly jwt: {
    readonly signing: SigningConfig;
    /** PUBLIC_URL, or JWT_ISSUER when set (a URL as well: RFC 8414 §2, RFC 9068 §2.2). */
    readonly issuer: string;
    readonly audience: string;
    readonly accessTokenTtlSeconds: number;
    readonly clockToleranceSeconds: number;
  };
  readonly sessions: {
    /** Absolute session lifetime from the login (REFRESH_TOKEN_EXPIRE_DAYS). */
    readonly lifetimeSeconds: number;
    /** A session not refreshed for this long ends; undefined: never. */
    readonly idleTimeoutSeconds: number | undefined;
    readonly maxPerUser: number;
  };
  readonly password: {
    readonly minLength: number;
    readonly argon2: { readonly memoryCost: number; readonly timeCost: number; readonly parallelism: number };
  };
  readonly http: {
    readonly corsOrigins: readonly string[];
    /**
     * Express "trust proxy": false (use the peer address), a hop count, or the proxies'
     * addresses and subnets. Never true: that would let any client choose its address.
     */
    readonly trustProxy: false | number | readonly string[];
    readonly validateResponses: boolean;
    readonly maxHeaderBytes: number;
    /** How long SIGTERM keeps accepting before the listener closes (the lame-duck period). */
    readonly lameDuckMs: number;
    readonly shutdownTimeoutMs: number;
  };
  readonly metrics: {
    readonly enabled: boolean;
    /** The management port that alone serves GET /metrics (0: any free port). */
    readonly port: number;
  };
  readonly hashing: {
    readonly threads: number;
    readonly queueLimit: number;
    readonly niceIncrement: number;
  };
  readonly store: StoreConfig;
  readonly rateLimit: {
    readonly enabled: boolean;
    readonly loginMaxFailuresPerAccountAndIp: number;
    readonly loginMaxFailuresPerAccount: number;
    readonly loginMaxFailuresPerIp: number;
    readonly loginWindowSeconds: number;
    readonly signupMaxPerIp: number;
    readonly signupWindowSeconds: number;
    readonly maxKeys: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Names Express (proxy-addr) knows for address ranges. */
const TRUST_PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrSubnet(entry: string): boolean {
  if (TRUST_PROXY_NAMES.has(entry)) return true;
  const [address = '', bits, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

function parseTrustProxy(value: string, ctx: z.RefinementCtx): false | number | readonly string[] {
  if (value === 'false') return false;
  if (value === 'true') {
    ctx.addIssue({
      code: 'custom',
      message:
        'must not be true: then every client chooses its own address with X-Forwarded-For and per-address ' +
        'throttling means nothing. Give the number of proxies in front of the service (e.g. 1) or their ' +
        'addresses/subnets (e.g. 10.0.0.0/8, loopback)',
    });
    return false;
  }
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const bad = entries.filter((e) => !isAddressOrSubnet(e));
  if (bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `has entries that are not an address, a subnet (CIDR) or loopback/linklocal/uniquelocal: ${bad.join(', ')}`,
    });
  }
  return entries;
}

/** The settings that come as NAME or as a file named by NAME_FILE. */
type SecretName = 'JWT_SECRET' | 'JWT_PRIVATE_KEY' | 'DATABASE_URL';

/**
 * A secret from NAME or from the file NAME_FILE names (one trailing newline dropped);
 * undefined when neither is set, or both (a problem reported by the schema).
 */
function readSecret(
  env: NodeJS.ProcessEnv,
  name: SecretName,
  readFile: (path: string) => string,
  problems: string[],
): string | undefined {
  const value = emptyToUndefined(env[name]) as string | undefined;
  const file = emptyToUndefined(env[`${name}_FILE`]) as string | undefined;
  if (file === undefined) return value;
  if (value !== undefined) return undefined;
  try {
    return readFile(file).replace(/\r?\n$/, '');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    problems.push(
      `${name}_FILE cannot be read (${code}${FILE_ERRORS[code] ?? ''}): check that ${file} exists, is mounted into the container, and is readable by this user`,
    );
    return undefined;
  }
}

/** The variable a secret came from, to name in a problem: NAME, or NAME_FILE when that is set. */
const secretSource = (env: NodeJS.ProcessEnv, name: SecretName): string =>
  emptyToUndefined(env[`${name}_FILE`]) === undefined ? name : `${name}_FILE`;

/** Plain words for the errnos a secret file's read can fail with. */
const FILE_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: ': no such file',
  EACCES: ': permission denied',
  EISDIR: ': it is a directory',
  ENOTDIR: ': a part of the path is not a directory',
};

/** What is wrong with a PEM private key for `alg`, without echoing it. */
function pemProblem(pem: string, alg: AsymmetricAlgorithm): string | undefined {
  try {
    return privateKeyProblem(createPrivateKey(pem), alg);
  } catch {
    return 'is not a PEM private key (PKCS#8 "BEGIN PRIVATE KEY", or SEC1/PKCS#1); e.g. `openssl genpkey -algorithm ed25519`';
  }
}

/** What is wrong with a database URL, without echoing it (it holds a password). */
function databaseUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL: expected postgres://user:password@host:5432/database';
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    return `must start with postgres:// or postgresql:// (it starts with ${parsed.protocol}//)`;
  }
  return undefined;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Parses the environment (and reads JWT_SECRET_FILE); throws ConfigError listing every
 * problem at once.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): Config {
  const parsed = envSchema.safeParse(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'} ${i.message}`);
  // Secrets are checked even when other values are wrong, so every problem is listed at once.
  const algorithm = parsed.success ? parsed.data.JWT_ALGORITHM : 'HS256';
  const secret = readSecret(env, 'JWT_SECRET', readFile, problems);
  const secretProblem =
    secret === undefined || isAsymmetric(algorithm) ? undefined : weakSecretProblem(secret, algorithm);
  if (secretProblem !== undefined) {
    problems.push(`${secretSource(env, 'JWT_SECRET')} ${secretProblem}`);
  }
  // A PEM pasted into one line of an env file often has its line breaks written as \n.
  const privateKeyPem = readSecret(env, 'JWT_PRIVATE_KEY', readFile, problems)?.replace(/\\n/g, '\n');
  const keyProblem =
    privateKeyPem === undefined || !isAsymmetric(algorithm) ? undefined : pemProblem(privateKeyPem, algorithm);
  if (keyProblem !== undefined) {
    problems.push(`${secretSource(env, 'JWT_PRIVATE_KEY')} ${keyProblem}`);
  }
  const databaseUrl = readSecret(env, 'DATABASE_URL', readFile, problems)?.trim();
  const urlProblem = databaseUrl === undefined ? undefined : databaseUrlProblem(databaseUrl);
  if (urlProblem !== undefined) {
    problems.push(`${secretSource(env, 'DATABASE_URL')} ${urlProblem}`);
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  if (e.METRICS_ENABLED && e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT) {
    throw new ConfigError(['METRICS_PORT must differ from PORT: metrics are served on a management port of their own']);
  }
  const publicUrl = e.PUBLIC_URL ?? `http://localhost:${e.PORT}`;
  const alg = e.JWT_ALGORITHM;
  return deepFreeze<Config>({
    warnings: lookalikeVariables(env).map(
      ({ name, meant }) => `${name} is not a setting of this service and is ignored: did you mean ${meant}?`,
    ),
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    publicUrl,
    publicUrlConfigured: e.PUBLIC_URL !== undefined,
    production: e.NODE_ENV === 'production',
    jwt: {
      signing: !isAsymmetric(alg)
        ? { kind: 'hmac', algorithm: alg, secret: secret === undefined || secret.trim() === '' ? undefined : secret }
        : privateKeyPem !== undefined
          ? { kind: 'private-key', algorithm: alg, pem: privateKeyPem }
          : { kind: 'key-directory', algorithm: alg, dir: e.JWT_KEYS_DIR },
      issuer: e.JWT_ISSUER ?? publicUrl,
      audience: e.JWT_AUDIENCE,
      accessTokenTtlSeconds: e.ACCESS_TOKEN_EXPIRE_MINUTES * 60,
      clockToleranceSeconds: e.JWT_CLOCK_TOLERANCE_SECONDS,
    },
    sessions: {
      lifetimeSeconds: e.REFRESH_TOKEN_EXPIRE_DAYS * 86_400,
      idleTimeoutSeconds:
        e.REFRESH_TOKEN_IDLE_TIMEOUT_MINUTES === 0 ? undefined : e.REFRESH_TOKEN_IDLE_TIMEOUT_MINUTES * 60,
      maxPerUser: e.SESSIONS_MAX_PER_USER,
    },
    password: {
      minLength: e.PASSWORD_MIN_LENGTH,
      argon2: { memoryCost: e.ARGON2_MEMORY_KIB, timeCost: e.ARGON2_TIME_COST, parallelism: e.ARGON2_PARALLELISM },
    },
    http: {
      corsOrigins: e.CORS_ORIGINS,
      trustProxy: e.TRUST_PROXY,
      validateResponses: e.VALIDATE_RESPONSES,
      maxHeaderBytes: e.MAX_HEADER_BYTES,
      lameDuckMs: e.LAME_DUCK_MS,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    },
    metrics: { enabled: e.METRICS_ENABLED, port: e.METRICS_PORT },
    store:
      e.STORE === 'postgres' && databaseUrl !== undefined
        ? {
            kind: 'postgres',
            url: databaseUrl,
            poolMax: e.DATABASE_POOL_MAX,
            connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_MS,
            statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
            startupTimeoutMs: e.DATABASE_STARTUP_TIMEOUT_SECONDS * 1000,
            migrateOnStart: e.MIGRATE_ON_START,
          }
        : { kind: 'memory' },
    hashing: { threads: e.HASH_THREADS, queueLimit: e.HASH_QUEUE_LIMIT, niceIncrement: e.HASH_NICE },
    rateLimit: {
      enabled: e.RATE_LIMIT_ENABLED,
      loginMaxFailuresPerAccountAndIp: e.LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP,
      loginMaxFailuresPerAccount: e.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      loginMaxFailuresPerIp: e.LOGIN_MAX_FAILURES_PER_IP,
      loginWindowSeconds: e.LOGIN_FAILURE_WINDOW_SECONDS,
      signupMaxPerIp: e.SIGNUP_MAX_PER_IP,
      signupWindowSeconds: e.SIGNUP_WINDOW_SECONDS,
      maxKeys: e.THROTTLE_MAX_KEYS,
    },
  });
}

/** EX_CONFIG (sysexits.h): the configuration is invalid. */
export const EXIT_BAD_CONFIG = 78;

/**
 * For process entry points (the service, the migrate command): the config, or every problem
 * as one JSON line on stderr and exit 78.
 */
export function configOrExit(): Config {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    exitWithFatal(
      {
        msg: `start-up failed: invalid configuration (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'})`,
        problems: err.problems,
        fix: 'correct the variables named in `problems` (README "Configuration", .env.example), then start again',
      },
      EXIT_BAD_CONFIG,
    );
  }
}
