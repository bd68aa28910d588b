import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ConfigError, configOrExit, loadConfig, lookalikeVariables } from '../../src/config';

/** TEST FIXTURE ONLY: random-looking, long enough for HS256 and HS384. */
const SECRET = 'FIXTURE-ONLY-Qm8Zr2Xv5Lk9Tb3Wn7Hc1Pd4Gs6Ye0Jf';

const problemsOf = (env: Record<string, string>, files: Record<string, string> = {}): readonly string[] => {
  try {
    loadConfig(env, (path) => {
      const content = files[path];
      if (content === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
      return content;
    });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('when nothing is set, then the defaults match the original service (port 8000, 30-minute tokens, HS256) and there is no secret', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8000);
    expect(config.jwt).toMatchObject({
      signing: { kind: 'hmac', algorithm: 'HS256', secret: undefined },
      issuer: 'http://localhost:8000',
      audience: 'jwt-auth-service',
      accessTokenTtlSeconds: 1800,
    });
    expect(config).toMatchObject({ publicUrl: 'http://localhost:8000', publicUrlConfigured: false, production: false });
    expect(config.password.argon2).toEqual({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
    expect(config.rateLimit).toMatchObject({
      enabled: true,
      loginMaxFailuresPerAccountAndIp: 10,
      loginMaxFailuresPerAccount: 100,
      loginMaxFailuresPerIp: 100,
      loginWindowSeconds: 900,
      maxKeys: 100_000,
    });
    expect(config.http).toMatchObject({ corsOrigins: [], trustProxy: false, lameDuckMs: 2000 });
    expect(config.metrics).toEqual({ enabled: true, port: 9000 });
    expect(config.hashing).toMatchObject({ queueLimit: 32, niceIncrement: 19 });
    expect(config.hashing.threads).toBeGreaterThanOrEqual(1);
    expect(config.sessions).toEqual({ lifetimeSeconds: 14 * 86_400, idleTimeoutSeconds: undefined, maxPerUser: 50 });
  });

  it('then the result is deeply frozen', () => {
    const config = loadConfig({ JWT_SECRET: SECRET, CORS_ORIGINS: 'https://a.example' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.jwt)).toBe(true);
    expect(Object.isFrozen(config.http.corsOrigins)).toBe(true);
  });

  it('when JWT_SECRET is empty, then it counts as unset', () => {
    expect(loadConfig({ JWT_SECRET: '  ' }).jwt.signing).toEqual({
      kind: 'hmac',
      algorithm: 'HS256',
      secret: undefined,
    });
  });

  it('when JWT_SECRET is shorter than 32 bytes, then start-up fails naming JWT_SECRET (RFC 7518 §3.2, RFC 8725 §3.5)', () => {
    expect(problemsOf({ JWT_SECRET: SECRET.slice(0, 31) })).toEqual([
      expect.stringMatching(/^JWT_SECRET must be at least 32 bytes for HS256/),
    ]);
  });

  it('when JWT_ALGORITHM is HS512, then the secret must be 64 bytes', () => {
    expect(problemsOf({ JWT_SECRET: SECRET, JWT_ALGORITHM: 'HS512' })[0]).toMatch(
      /JWT_SECRET must be at least 64 bytes/,
    );
    const long = `${SECRET}${SECRET}`;
    expect(loadConfig({ JWT_SECRET: long, JWT_ALGORITHM: 'HS512' }).jwt.signing.algorithm).toBe('HS512');
  });

  it.each([
    'your-secret-key',
    'secret',
    'changeme',
    'CHANGEME',
    'your-256-bit-secret',
    'Your_Secret_Key_2026!-and-some-padding-to-be-long-enough',
    'please-change-me-before-production-deployment-0001',
    'my-jwt-secret-0123456789abcdefghijklmnopqrstuvwxyz',
    'a-string-secret-at-least-256-bits-long',
    'test',
    'DEFAULT-DEFAULT-DEFAULT-DEFAULT-DEFAULT',
  ])(
    'when JWT_SECRET is built on a placeholder (%s), then start-up fails naming JWT_SECRET (RFC 8725 §3.5)',
    (secret) => {
      expect(problemsOf({ JWT_SECRET: secret })).toEqual([
        expect.stringMatching(/^JWT_SECRET is a well-known placeholder/),
      ]);
    },
  );

  it('when JWT_SECRET is the FastAPI tutorial’s published SECRET_KEY, then start-up fails', () => {
    expect(problemsOf({ JWT_SECRET: '09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7' })).toEqual([
      expect.stringMatching(/^JWT_SECRET is a secret published in a tutorial/),
    ]);
  });

  it.each([
    ['32 times "a"', 'a'.repeat(32)],
    ['a short unit repeated', 'abcdefgh'.repeat(4)],
    ['few distinct bytes', '0101011101010111010101110101011101'],
  ])('when JWT_SECRET is %s, then start-up fails: a pattern, not a random secret (RFC 8725 §3.5)', (_why, secret) => {
    expect(problemsOf({ JWT_SECRET: secret })).toEqual([expect.stringMatching(/^JWT_SECRET is a repeated pattern/)]);
  });

  it.each([
    ['base64 from openssl rand -base64 48', 'q3Jb9z0mXr1Wc7Vt2Lk5Hn8Pd4Gs6Ye0JfAa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8Ii9Jj0K'],
    ['hex from openssl rand -hex 32', '3f9a1c7e5b2d8f0a6c4e1b9d7f3a5c2e8b0d6f4a2c9e7b5d3f1a8c6e4b2d0f9a'],
  ])('when JWT_SECRET is random (%s), then it is accepted', (_why, secret) => {
    expect(loadConfig({ JWT_SECRET: secret }).jwt.signing).toMatchObject({ secret });
  });

  it('when JWT_SECRET_FILE names a file, then the secret is read from it, one trailing newline dropped (Docker secrets)', () => {
    const config = loadConfig({ JWT_SECRET_FILE: '/run/secrets/jwt' }, (path) => {
      expect(path).toBe('/run/secrets/jwt');
      return `${SECRET}\n`;
    });
    expect(config.jwt.signing).toMatchObject({ secret: SECRET });
  });

  it('when JWT_SECRET_FILE cannot be read, or holds a weak secret, then start-up fails naming JWT_SECRET_FILE', () => {
    expect(problemsOf({ JWT_SECRET_FILE: '/missing' })).toEqual([
      'JWT_SECRET_FILE cannot be read (ENOENT: no such file): check that /missing exists, is mounted into the container, and is readable by this user',
    ]);
    expect(problemsOf({ JWT_SECRET_FILE: '/weak' }, { '/weak': 'changeme\n' })).toEqual([
      expect.stringMatching(/^JWT_SECRET_FILE is a well-known placeholder/),
    ]);
  });

  it('when both JWT_SECRET and JWT_SECRET_FILE are set, then start-up fails: one source only', () => {
    expect(
      problemsOf({ JWT_SECRET: SECRET, JWT_SECRET_FILE: '/run/secrets/jwt' }, { '/run/secrets/jwt': SECRET }),
    ).toEqual([expect.stringMatching(/^JWT_SECRET_FILE and JWT_SECRET are both set/)]);
  });

  describe('asymmetric signing (JWT_ALGORITHM, JWT_PRIVATE_KEY, JWT_KEYS_DIR)', () => {
    // TEST FIXTURES ONLY: keys generated for these tests, never used anywhere else.
    const pem = (key: KeyObject) => key.export({ format: 'pem', type: 'pkcs8' }).toString();
    const ED25519 = pem(generateKeyPairSync('ed25519').privateKey);
    const P256 = pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    const P384 = pem(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey);
    const RSA_1024 = pem(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey);

    it('when JWT_ALGORITHM is EdDSA and no key is given, then the key directory is used (default var/keys)', () => {
      expect(loadConfig({ JWT_ALGORITHM: 'EdDSA' }).jwt.signing).toEqual({
        kind: 'key-directory',
        algorithm: 'EdDSA',
        dir: 'var/keys',
      });
      expect(loadConfig({ JWT_ALGORITHM: 'RS256', JWT_KEYS_DIR: '/keys' }).jwt.signing).toMatchObject({ dir: '/keys' });
    });

    it('when JWT_PRIVATE_KEY holds a fitting PEM, then it signs (also with its line breaks written as \\n)', () => {
      expect(loadConfig({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY: ED25519 }).jwt.signing).toEqual({
        kind: 'private-key',
        algorithm: 'EdDSA',
        pem: ED25519,
      });
      const oneLine = P256.replace(/\n/g, '\\n');
      expect(loadConfig({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: oneLine }).jwt.signing).toMatchObject({ pem: P256 });
    });

    it('when JWT_PRIVATE_KEY_FILE names a file, then the key is read from it', () => {
      const config = loadConfig({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY_FILE: '/run/secrets/key' }, () => ED25519);
      expect(config.jwt.signing).toMatchObject({ kind: 'private-key', pem: ED25519.replace(/\n$/, '') });
    });

    it.each([
      ['an Ed25519 key for ES256', 'ES256', () => ED25519, /^JWT_PRIVATE_KEY is not a P-256 EC key \(ed25519\)/],
      ['a P-384 key for ES256 (RFC 7518 §3.4)', 'ES256', () => P384, /not a P-256 EC key \(ec secp384r1\)/],
      ['a 1024-bit RSA key (RFC 7518 §3.3)', 'RS256', () => RSA_1024, /has 1024 bits; RS256 needs at least 2048/],
      ['a P-256 key for EdDSA', 'EdDSA', () => P256, /is a key of type ec; EdDSA here means Ed25519/],
      ['a P-256 key for RS256', 'RS256', () => P256, /is a key of type ec; RS256 needs an RSA key/],
      ['not a PEM at all', 'EdDSA', () => 'not a key', /is not a PEM private key/],
      [
        'a public key',
        'EdDSA',
        () => generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString(),
        /is not a PEM private key/,
      ],
    ])(
      'when JWT_PRIVATE_KEY is %s, then start-up fails naming it without echoing the key',
      (_why, alg, key, message) => {
        const problems = problemsOf({ JWT_ALGORITHM: alg, JWT_PRIVATE_KEY: key() });
        expect(problems).toEqual([expect.stringMatching(message)]);
        expect(problems.join('')).not.toContain('PRIVATE KEY-----');
      },
    );

    it('when the key file cannot be read or holds a bad key, then the problem names JWT_PRIVATE_KEY_FILE', () => {
      expect(problemsOf({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY_FILE: '/missing' })).toEqual([
        expect.stringMatching(/^JWT_PRIVATE_KEY_FILE cannot be read \(ENOENT: no such file\)/),
      ]);
      expect(problemsOf({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY_FILE: '/k' }, { '/k': ED25519 })).toEqual([
        expect.stringMatching(/^JWT_PRIVATE_KEY_FILE is not a P-256 EC key \(ed25519\)/),
      ]);
    });

    it('when a secret is set with an asymmetric algorithm, or a private key with HMAC, then start-up says which belongs where', () => {
      expect(problemsOf({ JWT_ALGORITHM: 'EdDSA', JWT_SECRET: SECRET })).toEqual([
        expect.stringMatching(/^JWT_SECRET is an HMAC secret; EdDSA signs with a private key/),
      ]);
      expect(problemsOf({ JWT_ALGORITHM: 'RS256', JWT_SECRET_FILE: '/s' }, { '/s': SECRET })).toEqual([
        expect.stringMatching(/^JWT_SECRET_FILE is an HMAC secret/),
      ]);
      expect(problemsOf({ JWT_SECRET: SECRET, JWT_PRIVATE_KEY: ED25519 })).toEqual([
        expect.stringMatching(/^JWT_PRIVATE_KEY is for EdDSA, ES256 or RS256; HS256 signs with JWT_SECRET/),
      ]);
      expect(problemsOf({ JWT_SECRET: SECRET, JWT_PRIVATE_KEY_FILE: '/k' }, { '/k': ED25519 })).toEqual([
        expect.stringMatching(/^JWT_PRIVATE_KEY_FILE is for EdDSA/),
      ]);
    });

    it('when both JWT_PRIVATE_KEY and JWT_PRIVATE_KEY_FILE are set, then start-up fails', () => {
      expect(
        problemsOf({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY: ED25519, JWT_PRIVATE_KEY_FILE: '/k' }, { '/k': ED25519 }),
      ).toEqual([expect.stringMatching(/^JWT_PRIVATE_KEY_FILE and JWT_PRIVATE_KEY are both set/)]);
    });
  });

  describe('the issuer (PUBLIC_URL, JWT_ISSUER: RFC 8414 §2, RFC 9068 §2.2)', () => {
    it('when PUBLIC_URL is set, then it is the issuer, without a trailing slash', () => {
      const config = loadConfig({ PUBLIC_URL: 'https://auth.example.com/', NODE_ENV: 'production' });
      expect(config).toMatchObject({
        publicUrl: 'https://auth.example.com',
        publicUrlConfigured: true,
        production: true,
      });
      expect(config.jwt.issuer).toBe('https://auth.example.com');
    });

    it('when PUBLIC_URL is unset, then it is http://localhost:PORT', () => {
      expect(loadConfig({ PORT: '8080' }).jwt.issuer).toBe('http://localhost:8080');
    });

    it('when JWT_ISSUER is set, then it overrides the issuer but not the endpoints', () => {
      const config = loadConfig({ PUBLIC_URL: 'https://a.example', JWT_ISSUER: 'https://issuer.example/tenant-1' });
      expect(config.jwt.issuer).toBe('https://issuer.example/tenant-1');
      expect(config.publicUrl).toBe('https://a.example');
    });

    it.each([
      ['JWT_ISSUER', 'jwt-auth-service'],
      ['JWT_ISSUER', 'ftp://issuer.example'],
      ['PUBLIC_URL', 'auth.example.com'],
      ['PUBLIC_URL', 'https://auth.example.com/?tenant=1'],
      ['PUBLIC_URL', 'https://auth.example.com/#top'],
    ])('when %s is %s, then start-up fails: it must be an http(s) URL', (name, value) => {
      expect(problemsOf({ [name]: value })).toEqual([
        expect.stringMatching(new RegExp(`^${name} must be an absolute http\\(s\\) URL`)),
      ]);
    });
  });

  describe('the store (STORE, DATABASE_URL)', () => {
    const URL_WITH_PASSWORD = 'postgres://auth:FIXTURE-ONLY-pw@db:5432/auth';

    it('when nothing is set, then the store is in memory', () => {
      expect(loadConfig({}).store).toEqual({ kind: 'memory' });
    });

    it('when STORE=postgres, then DATABASE_URL and the pool settings are read, with bounded defaults', () => {
      expect(loadConfig({ STORE: 'postgres', DATABASE_URL: URL_WITH_PASSWORD }).store).toEqual({
        kind: 'postgres',
        url: URL_WITH_PASSWORD,
        poolMax: 10,
        connectTimeoutMs: 5000,
        statementTimeoutMs: 5000,
        startupTimeoutMs: 60_000,
        migrateOnStart: true,
      });
      expect(
        loadConfig({
          STORE: 'postgres',
          DATABASE_URL: 'postgresql://h/db',
          DATABASE_POOL_MAX: '3',
          DATABASE_CONNECT_TIMEOUT_MS: '250',
          DATABASE_STATEMENT_TIMEOUT_MS: '900',
          DATABASE_STARTUP_TIMEOUT_SECONDS: '0',
          MIGRATE_ON_START: 'false',
        }).store,
      ).toMatchObject({
        poolMax: 3,
        connectTimeoutMs: 250,
        statementTimeoutMs: 900,
        startupTimeoutMs: 0,
        migrateOnStart: false,
      });
    });

    it('when DATABASE_URL_FILE names a file, then the URL is read from it (Docker secrets)', () => {
      const config = loadConfig(
        { STORE: 'postgres', DATABASE_URL_FILE: '/run/secrets/db' },
        () => `${URL_WITH_PASSWORD}\n`,
      );
      expect(config.store).toMatchObject({ kind: 'postgres', url: URL_WITH_PASSWORD });
    });

    it('when STORE=postgres has no URL, or two sources, or a URL that is not PostgreSQL, then start-up fails without echoing the URL', () => {
      expect(problemsOf({ STORE: 'postgres' })).toEqual([
        expect.stringMatching(/^DATABASE_URL is required with STORE=postgres/),
      ]);
      expect(
        problemsOf(
          { STORE: 'postgres', DATABASE_URL: URL_WITH_PASSWORD, DATABASE_URL_FILE: '/f' },
          { '/f': URL_WITH_PASSWORD },
        ),
      ).toEqual([expect.stringMatching(/^DATABASE_URL_FILE and DATABASE_URL are both set/)]);
      const problems = problemsOf({ STORE: 'postgres', DATABASE_URL: 'mysql://auth:FIXTURE-ONLY-pw@db/auth' });
      expect(problems).toEqual(['DATABASE_URL must start with postgres:// or postgresql:// (it starts with mysql://)']);
      expect(problemsOf({ STORE: 'postgres', DATABASE_URL: 'not a url FIXTURE-ONLY-pw' })).toEqual([
        'DATABASE_URL is not a URL: expected postgres://user:password@host:5432/database',
      ]);
      expect(problemsOf({ STORE: 'postgres', DATABASE_URL_FILE: '/missing' })).toEqual([
        expect.stringMatching(/^DATABASE_URL_FILE cannot be read \(ENOENT: no such file\)/),
      ]);
      expect(problemsOf({ STORE: 'sqlite' })).toEqual([expect.stringMatching(/^STORE /)]);
    });
  });

  it('when several values are wrong, then every problem is listed at once, the secret included', () => {
    const problems = problemsOf({
      JWT_SECRET: 'short',
      PORT: 'eighty',
      ACCESS_TOKEN_EXPIRE_MINUTES: '0',
      PASSWORD_MIN_LENGTH: '6',
      ARGON2_MEMORY_KIB: '1024',
      LOG_LEVEL: 'loud',
      RATE_LIMIT_ENABLED: 'maybe',
    });
    const names = problems.map((p) => p.split(' ')[0]).sort();
    expect(names).toEqual([
      'ACCESS_TOKEN_EXPIRE_MINUTES',
      'ARGON2_MEMORY_KIB',
      'JWT_SECRET',
      'LOG_LEVEL',
      'PASSWORD_MIN_LENGTH',
      'PORT',
      'RATE_LIMIT_ENABLED',
    ]);
  });

  it('parses lists and booleans', () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example ,', RATE_LIMIT_ENABLED: 'false' });
    expect(config.http.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.rateLimit.enabled).toBe(false);
  });

  it('when TRUST_PROXY is a hop count or a list of proxy addresses and subnets, then it is taken', () => {
    expect(loadConfig({ TRUST_PROXY: '1' }).http.trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8, 2001:db8::/32, 192.0.2.7' }).http.trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
      '2001:db8::/32',
      '192.0.2.7',
    ]);
  });

  it('when TRUST_PROXY=true, then start-up fails explaining that every client could choose its address', () => {
    expect(problemsOf({ TRUST_PROXY: 'true' })).toEqual([
      expect.stringMatching(/^TRUST_PROXY must not be true: then every client chooses its own address/),
    ]);
  });

  it('when TRUST_PROXY lists something that is not an address or subnet, then start-up fails naming it', () => {
    expect(problemsOf({ TRUST_PROXY: '10.0.0.0/8, proxy.example, 10.0.0.0/33' })).toEqual([
      expect.stringMatching(/^TRUST_PROXY has entries .*: proxy\.example, 10\.0\.0\.0\/33$/),
    ]);
  });

  it('when METRICS_PORT equals PORT, then start-up fails: the management port must be its own', () => {
    expect(problemsOf({ PORT: '9000' })).toEqual([expect.stringMatching(/^METRICS_PORT must differ from PORT/)]);
    expect(loadConfig({ PORT: '9000', METRICS_PORT: '9100' }).metrics.port).toBe(9100);
  });

  it('takes the session settings: lifetime in days, idle timeout in minutes (0 is none), cap per user', () => {
    expect(
      loadConfig({
        REFRESH_TOKEN_EXPIRE_DAYS: '30',
        REFRESH_TOKEN_IDLE_TIMEOUT_MINUTES: '31',
        SESSIONS_MAX_PER_USER: '5',
      }).sessions,
    ).toEqual({ lifetimeSeconds: 30 * 86_400, idleTimeoutSeconds: 31 * 60, maxPerUser: 5 });
  });

  it('when the idle timeout is not longer than the access token, then start-up fails: every refresh would find its session timed out', () => {
    expect(problemsOf({ REFRESH_TOKEN_IDLE_TIMEOUT_MINUTES: '30' })).toEqual([
      expect.stringMatching(
        /^REFRESH_TOKEN_IDLE_TIMEOUT_MINUTES must be longer than ACCESS_TOKEN_EXPIRE_MINUTES \(30\)/,
      ),
    ]);
    expect(problemsOf({ REFRESH_TOKEN_IDLE_TIMEOUT_MINUTES: '10', ACCESS_TOKEN_EXPIRE_MINUTES: '15' })).toHaveLength(1);
    expect(problemsOf({ REFRESH_TOKEN_EXPIRE_DAYS: '0', SESSIONS_MAX_PER_USER: '0' })).toHaveLength(2);
  });
});

describe('lookalikeVariables: settings that would be ignored in silence', () => {
  it.each([
    ['JWT_SECRETT', 'JWT_SECRET'],
    ['JWT_KEY_DIR', 'JWT_KEYS_DIR'],
    ['LOG_LEVLE', 'LOG_LEVEL'],
    ['ACCESS_TOKEN_EXPIRE_MINUTE', 'ACCESS_TOKEN_EXPIRE_MINUTES'],
    ['DATABSE_URL', 'DATABASE_URL'],
    ['STOER', 'STORE'],
    ['JWT_ALGO', 'JWT_ALGORITHM'],
    ['ARGON2_MEMORY', 'ARGON2_MEMORY_KIB'],
  ])('when %s is set, then it is reported as meaning %s', (name, meant) => {
    expect(lookalikeVariables({ [name]: 'x' })).toEqual([{ name, meant }]);
  });

  it('when only the usual environment is set (PATH, HOME, HOSTNAME, TERM, NODE_OPTIONS, npm_*), then nothing is reported', () => {
    const env = {
      PATH: '/bin',
      HOME: '/root',
      HOSTNAME: 'box',
      TERM: 'xterm',
      NODE_OPTIONS: '',
      PWD: '/',
      LANG: 'C',
      npm_config_cache: '/x',
      SHLVL: '1',
    };
    expect(lookalikeVariables(env)).toEqual([]);
    // What Kubernetes injects for a Service named jwt-auth-service.
    const kubernetes = {
      JWT_AUTH_SERVICE_SERVICE_HOST: '10.0.0.1',
      JWT_AUTH_SERVICE_SERVICE_PORT: '8000',
      JWT_AUTH_SERVICE_SERVICE_PORT_HTTP: '8000',
      JWT_AUTH_SERVICE_PORT: 'tcp://10.0.0.1:8000',
      JWT_AUTH_SERVICE_PORT_8000_TCP: 'tcp://10.0.0.1:8000',
      JWT_AUTH_SERVICE_PORT_8000_TCP_ADDR: '10.0.0.1',
      JWT_AUTH_SERVICE_PORT_8000_TCP_PORT: '8000',
      JWT_AUTH_SERVICE_PORT_8000_TCP_PROTO: 'tcp',
    };
    expect(lookalikeVariables(kubernetes)).toEqual([]);
  });

  it('when known names or the _FILE forms of our secrets are set, then nothing is reported', () => {
    expect(
      lookalikeVariables({ JWT_SECRET_FILE: '/s', DATABASE_URL_FILE: '/d', JWT_PRIVATE_KEY_FILE: '/k', PORT: '1' }),
    ).toEqual([]);
  });

  it('then loadConfig turns each into a warning naming the likely variable', () => {
    expect(loadConfig({ JWT_SECRETT: 'x' }).warnings).toEqual([
      'JWT_SECRETT is not a setting of this service and is ignored: did you mean JWT_SECRET?',
    ]);
  });
});

describe('configOrExit (process entry points)', () => {
  it('returns the config, or writes every problem as one JSON line and exits 78', () => {
    const saved = process.env.PORT;
    const exit = jest.spyOn(process, 'exit').mockImplementation(() => {
      throw new Error('exited');
    });
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      delete process.env.PORT;
      expect(configOrExit().port).toBe(8000);
      process.env.PORT = 'eighty';
      expect(() => configOrExit()).toThrow('exited');
      expect(exit).toHaveBeenCalledWith(78);
      const line = JSON.parse(String(write.mock.calls[0]?.[0])) as { level: string; problems: string[]; fix: string };
      expect(line.level).toBe('fatal');
      expect(line.fix).toMatch(/correct the variables named in `problems`/);
      expect(line.problems).toEqual([expect.stringMatching(/^PORT /)]);
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
      exit.mockRestore();
      write.mockRestore();
    }
  });
});
