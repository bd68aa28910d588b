import { ConfigError, loadConfig } from '../../src/config';

const SECRET = 'x'.repeat(32);

const problemsOf = (env: Record<string, string>): readonly string[] => {
  try {
    loadConfig(env);
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
    expect(config.jwt).toMatchObject({ secret: undefined, algorithm: 'HS256', accessTokenTtlSeconds: 1800 });
    expect(config.password.argon2).toEqual({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
    expect(config.rateLimit).toMatchObject({ enabled: true, loginMaxFailuresPerAccount: 10, loginWindowSeconds: 900 });
    expect(config.http.corsOrigins).toEqual([]);
  });

  it('then the result is deeply frozen', () => {
    const config = loadConfig({ JWT_SECRET: SECRET });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.jwt)).toBe(true);
    expect(Object.isFrozen(config.http.corsOrigins)).toBe(true);
  });

  it('when JWT_SECRET is empty, then it counts as unset', () => {
    expect(loadConfig({ JWT_SECRET: '  ' }).jwt.secret).toBeUndefined();
  });

  it('when JWT_SECRET is shorter than 32 bytes, then start-up fails naming JWT_SECRET (RFC 7518 §3.2, RFC 8725 §3.5)', () => {
    expect(problemsOf({ JWT_SECRET: 'x'.repeat(31) })).toEqual([
      expect.stringMatching(/^JWT_SECRET must be at least 32 bytes for HS256/),
    ]);
  });

  it('when JWT_ALGORITHM is HS512, then the secret must be 64 bytes', () => {
    expect(problemsOf({ JWT_SECRET: 'x'.repeat(48), JWT_ALGORITHM: 'HS512' })[0]).toMatch(
      /JWT_SECRET must be at least 64 bytes/,
    );
    expect(loadConfig({ JWT_SECRET: 'x'.repeat(64), JWT_ALGORITHM: 'HS512' }).jwt.algorithm).toBe('HS512');
  });

  it.each(['your-secret-key', 'secret', 'changeme', 'CHANGEME', 'your-256-bit-secret'])(
    'when JWT_SECRET is the placeholder %s, then start-up fails naming JWT_SECRET',
    (placeholder) => {
      expect(problemsOf({ JWT_SECRET: placeholder })).toEqual([
        expect.stringMatching(/^JWT_SECRET is a well-known placeholder/),
      ]);
    },
  );

  it('when several values are wrong, then every problem is listed at once', () => {
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
      'LOG_LEVEL',
      'PASSWORD_MIN_LENGTH',
      'PORT',
      'RATE_LIMIT_ENABLED',
    ]);
  });

  it('when the other values are fine but the secret is short, then the secret problem is reported', () => {
    expect(problemsOf({ JWT_SECRET: 'short', PORT: '9000' })).toHaveLength(1);
  });

  it('parses lists, booleans and the trust-proxy setting', () => {
    const config = loadConfig({
      CORS_ORIGINS: 'https://a.example, https://b.example ,',
      RATE_LIMIT_ENABLED: 'false',
      TRUST_PROXY: '1',
    });
    expect(config.http.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.rateLimit.enabled).toBe(false);
    expect(config.http.trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).http.trustProxy).toBe('loopback, 10.0.0.0/8');
  });
});
