// Sign-up, login and token authentication: the use cases behind the HTTP operations.
import type { AuthEventSink } from './auth-events';
import type { Clock } from './clock';
import {
  DomainError,
  InvalidCredentialsError,
  InvalidTokenError,
  RuleViolationError,
  TooManyAttemptsError,
  UsernameTakenError,
} from './errors';
import type { PasswordHasher } from './password-hasher';
import { normalizePassword, type PasswordPolicy } from './password-policy';
import type { LimitRule, RateLimiter } from './rate-limiter';
import type { RevocationStore } from './revocation-store';
import type { IssuedToken, TokenService } from './token-service';
import type { User, UserStore } from './user-store';
import { normalizeUsername, parseNewUsername } from './username';

export interface AccountServiceDeps {
  readonly users: UserStore;
  readonly hasher: PasswordHasher;
  readonly policy: PasswordPolicy;
  readonly tokens: TokenService;
  readonly revocations: RevocationStore;
  readonly loginLimiter: RateLimiter;
  readonly signupLimiter: RateLimiter;
  readonly limits: {
    readonly loginPerAccount: LimitRule;
    readonly loginPerIp: LimitRule;
    readonly signupPerIp: LimitRule;
  };
  readonly events: AuthEventSink;
  readonly clock: Clock;
}

export class AccountService {
  constructor(private readonly deps: AccountServiceDeps) {}

  async signup(rawUsername: string, password: string, ip: string): Promise<void> {
    const { users, hasher, policy, signupLimiter, limits, events, clock } = this.deps;
    try {
      await signupLimiter.consume(`signup:ip:${ip}`, limits.signupPerIp);
      const name = parseNewUsername(rawUsername);
      policy.check(password, name.key);
      // Cheap check first so a taken name costs no hash; create() still decides atomically.
      if (await users.findByKey(name.key)) throw new UsernameTakenError();
      const passwordHash = await hasher.hash(normalizePassword(password));
      const created = await users.create({
        username: name.display,
        usernameKey: name.key,
        passwordHash,
        createdAt: new Date(clock()),
      });
      if (!created) throw new UsernameTakenError();
      events.record({ type: 'signup', outcome: 'success', username: name.display, ip });
    } catch (err) {
      // Store outages and other faults are not sign-up outcomes: they reach the error
      // handler (500) and its log line, not the audit trail.
      if (err instanceof DomainError) {
        events.record({
          type: 'signup',
          outcome: err instanceof TooManyAttemptsError ? 'throttled' : 'rejected',
          username: rawUsername,
          ip,
          reason: auditReason(err),
        });
      }
      throw err;
    }
  }

  async login(rawUsername: string, password: string, ip: string): Promise<IssuedToken> {
    const { users, hasher, tokens, loginLimiter, limits, events } = this.deps;
    const { key } = normalizeUsername(rawUsername);
    const accountKey = `login:user:${key}`;
    const ipKey = `login:ip:${ip}`;
    try {
      await loginLimiter.assertAllowed(accountKey, limits.loginPerAccount);
      await loginLimiter.assertAllowed(ipKey, limits.loginPerIp);
    } catch (err) {
      if (err instanceof TooManyAttemptsError) {
        events.record({ type: 'login', outcome: 'throttled', username: rawUsername, ip });
      }
      throw err;
    }

    const normalized = normalizePassword(password);
    const user = await users.findByKey(key);
    let ok = false;
    if (user) {
      ok = await hasher.verify(user.passwordHash, normalized);
    } else {
      await hasher.verifyDummy(normalized);
    }
    if (!user || !ok) {
      await loginLimiter.record(accountKey, limits.loginPerAccount);
      await loginLimiter.record(ipKey, limits.loginPerIp);
      events.record({
        type: 'login',
        outcome: 'failure',
        username: rawUsername,
        ip,
        reason: user ? 'bad_password' : 'unknown_user',
      });
      throw new InvalidCredentialsError();
    }

    await loginLimiter.reset(accountKey);
    if (hasher.needsRehash(user.passwordHash)) {
      await users.updatePasswordHash(user.usernameKey, await hasher.hash(normalized));
      events.record({ type: 'password_rehashed', username: user.username });
    }
    const issued = tokens.issueAccessToken(user.username);
    events.record({ type: 'login', outcome: 'success', username: user.username, ip });
    events.record({ type: 'token_issued', username: user.username, jti: issued.jti });
    return issued;
  }

  /** The user a Bearer token speaks for; throws InvalidTokenError for any refusal. */
  async authenticate(token: string): Promise<User> {
    const { users, tokens, revocations } = this.deps;
    const claims = tokens.verifyAccessToken(token);
    if (await revocations.isRevoked(claims.jti)) throw new InvalidTokenError('revoked');
    const user = await users.findByKey(normalizeUsername(claims.sub).key);
    if (!user) throw new InvalidTokenError('unknown_subject');
    // A token minted before this account existed belonged to a deleted namesake.
    if (claims.iat + tokens.leewaySeconds < Math.floor(user.createdAt.getTime() / 1000))
      throw new InvalidTokenError('predates_account');
    return user;
  }

  /**
   * RFC 7009: revokes an access token this service issued. Tokens that are invalid, expired
   * or not ours are ignored, as §2.2 requires ("the client cannot handle such an error").
   */
  async revoke(token: string): Promise<void> {
    const { tokens, revocations, events } = this.deps;
    let claims;
    try {
      claims = tokens.verifyAccessToken(token);
    } catch (err) {
      if (err instanceof InvalidTokenError) return;
      throw err;
    }
    await revocations.revoke(claims.jti, (claims.exp + tokens.leewaySeconds) * 1000);
    events.record({ type: 'token_revoked', username: claims.sub, jti: claims.jti });
  }
}

/** A stable reason for the audit trail: the rule a field broke, or the error's code. */
function auditReason(err: DomainError): string {
  return err instanceof RuleViolationError ? `${err.field}.${err.rule}` : err.code;
}
