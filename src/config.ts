// The only module that reads process.env: parses it once into a typed, frozen Config.
import { z } from 'zod';

export const JWT_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** RFC 7518 §3.2: an HMAC key must be at least as long as the hash output. */
const MIN_SECRET_BYTES: Record<JwtAlgorithm, number> = { HS256: 32, HS384: 48, HS512: 64 };

/** Secrets copied from tutorials and examples; refused whatever their length. */
const PLACEHOLDER_SECRETS = [
  'your-secret-key',
  'secret',
  'changeme',
  'change-me',
  'change_me',
  'changeit',
  'password',
  'jwt-secret',
  'jwt_secret',
  'your-256-bit-secret',
  'your_secret_key',
  'supersecret',
  'super-secret',
  'mysecret',
  'my-secret',
  'secretkey',
  'secret-key',
  'test',
  'default',
  'replace-me',
  'replace-with-a-long-random-secret',
];

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
    PORT: integer(0, 65535, 8000),
    HOST: text('0.0.0.0'),
    LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(LOG_LEVELS).default('info')),
    JWT_SECRET: z.preprocess(emptyToUndefined, z.string().optional()),
    JWT_ALGORITHM: z.preprocess(emptyToUndefined, z.enum(JWT_ALGORITHMS).default('HS256')),
    JWT_ISSUER: text('jwt-auth-service'),
    JWT_AUDIENCE: text('jwt-auth-service'),
    ACCESS_TOKEN_EXPIRE_MINUTES: integer(1, 24 * 60, 30),
    JWT_CLOCK_TOLERANCE_SECONDS: integer(0, 300, 5),
    PASSWORD_MIN_LENGTH: integer(8, 64, 8),
    ARGON2_MEMORY_KIB: integer(19456, 4 * 1024 * 1024, 19456),
    ARGON2_TIME_COST: integer(2, 100, 2),
    ARGON2_PARALLELISM: integer(1, 16, 1),
    CORS_ORIGINS: list,
    TRUST_PROXY: z.preprocess(emptyToUndefined, z.string().default('false')),
    RATE_LIMIT_ENABLED: boolean(true),
    LOGIN_MAX_FAILURES_PER_ACCOUNT: integer(1, 1_000_000, 10),
    LOGIN_MAX_FAILURES_PER_IP: integer(1, 1_000_000, 100),
    LOGIN_FAILURE_WINDOW_SECONDS: integer(1, 86_400, 900),
    SIGNUP_MAX_PER_IP: integer(1, 1_000_000, 20),
    SIGNUP_WINDOW_SECONDS: integer(1, 86_400, 3600),
    VALIDATE_RESPONSES: boolean(true),
    MAX_HEADER_BYTES: integer(4096, 65536, 16384),
    SHUTDOWN_TIMEOUT_MS: integer(0, 120_000, 10_000),
    METRICS_ENABLED: boolean(true),
    METRICS_PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(65535).optional()),
  })
  .superRefine((env, ctx) => {
    const secret = env.JWT_SECRET;
    if (secret === undefined) return;
    if (PLACEHOLDER_SECRETS.includes(secret.trim().toLowerCase())) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: 'is a well-known placeholder; generate one with `openssl rand -base64 48`',
      });
      return;
    }
    const min = MIN_SECRET_BYTES[env.JWT_ALGORITHM];
    if (Buffer.byteLength(secret, 'utf8') < min) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: `must be at least ${min} bytes for ${env.JWT_ALGORITHM} (RFC 7518 §3.2); generate one with \`openssl rand -base64 48\``,
      });
    }
  });

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly jwt: {
    /** undefined: none configured; the composition root generates one per process. */
    readonly secret: string | undefined;
    readonly algorithm: JwtAlgorithm;
    readonly issuer: string;
    readonly audience: string;
    readonly accessTokenTtlSeconds: number;
    readonly clockToleranceSeconds: number;
  };
  readonly password: {
    readonly minLength: number;
    readonly argon2: { readonly memoryCost: number; readonly timeCost: number; readonly parallelism: number };
  };
  readonly http: {
    readonly corsOrigins: readonly string[];
    /** Express "trust proxy" setting: false, true, a hop count, or a list of addresses/subnets. */
    readonly trustProxy: boolean | number | string;
    readonly validateResponses: boolean;
    readonly maxHeaderBytes: number;
    readonly shutdownTimeoutMs: number;
  };
  readonly metrics: {
    readonly enabled: boolean;
    /** undefined: served at /metrics on the main port; otherwise only on this port. */
    readonly port: number | undefined;
  };
  readonly rateLimit: {
    readonly enabled: boolean;
    readonly loginMaxFailuresPerAccount: number;
    readonly loginMaxFailuresPerIp: number;
    readonly loginWindowSeconds: number;
    readonly signupMaxPerIp: number;
    readonly signupWindowSeconds: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Parses the environment; throws ConfigError listing every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'} ${i.message}`));
  }
  const e = parsed.data;
  return deepFreeze<Config>({
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    jwt: {
      secret: e.JWT_SECRET,
      algorithm: e.JWT_ALGORITHM,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      accessTokenTtlSeconds: e.ACCESS_TOKEN_EXPIRE_MINUTES * 60,
      clockToleranceSeconds: e.JWT_CLOCK_TOLERANCE_SECONDS,
    },
    password: {
      minLength: e.PASSWORD_MIN_LENGTH,
      argon2: { memoryCost: e.ARGON2_MEMORY_KIB, timeCost: e.ARGON2_TIME_COST, parallelism: e.ARGON2_PARALLELISM },
    },
    http: {
      corsOrigins: e.CORS_ORIGINS,
      trustProxy: parseTrustProxy(e.TRUST_PROXY),
      validateResponses: e.VALIDATE_RESPONSES,
      maxHeaderBytes: e.MAX_HEADER_BYTES,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    },
    metrics: { enabled: e.METRICS_ENABLED, port: e.METRICS_PORT },
    rateLimit: {
      enabled: e.RATE_LIMIT_ENABLED,
      loginMaxFailuresPerAccount: e.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      loginMaxFailuresPerIp: e.LOGIN_MAX_FAILURES_PER_IP,
      loginWindowSeconds: e.LOGIN_FAILURE_WINDOW_SECONDS,
      signupMaxPerIp: e.SIGNUP_MAX_PER_IP,
      signupWindowSeconds: e.SIGNUP_WINDOW_SECONDS,
    },
  });
}
