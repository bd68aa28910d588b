// Sign-up, login, token authentication and account changes: the use cases behind the HTTP operations.
import type { AuthEventSink } from './auth-events';
import type { Clock } from './clock';
import { throttleAddress } from './client-address';
import {
  DomainError,
  HashingBusyError,
  InvalidCredentialsError,
  InvalidTokenError,
  RuleViolationError,
  StoreUnavailableError,
  ThrottleStateFullError,
  TooManyAttemptsError,
  UsernameTakenError,
  WrongCurrentPasswordError,
} from './errors';
import type { PasswordHasher } from './password-hasher';
import { normalizePassword, type PasswordPolicy } from './password-policy';
import type { LimitRule, RateLimiter, Reservation } from './rate-limiter';
import type { RevocationStore } from './revocation-store';
import { looksLikeRefreshToken, type ClientInfo, type IssuedTokens, type SessionService } from './session-service';
import type { TokenService } from './token-service';
import type { User, UserStore } from './user-store';
import { loginKey, prepareNewUsername, usernameKey } from './username';

export interface LoginLimits {
  /** The strict limit: failures for one account from one client address. */
  readonly perAccountAndAddress: LimitRule;
  /** A looser limit on one account across all addresses: slows distributed guessing. */
  readonly perAccount: LimitRule;
  /** Failures from one address across all accounts. */
  readonly perAddress: LimitRule;
}

export interface AccountServiceDeps {
  readonly users: UserStore;
  readonly hasher: PasswordHasher;
  readonly policy: PasswordPolicy;
  readonly tokens: TokenService;
  readonly revocations: RevocationStore;
  readonly sessions: SessionService;
  readonly loginLimiter: RateLimiter;
  readonly signupLimiter: RateLimiter;
  readonly limits: {
    readonly login: LoginLimits;
    readonly signupPerAddress: LimitRule;
  };
  /** A keyed digest of a name that is not an account's, for the audit trail. */
  readonly nameDigest: (name: string) => string;
  readonly events: AuthEventSink;
  readonly clock: Clock;
}

/** Whom a valid access token speaks for, and in which session. */
export interface Principal {
  readonly user: User;
  readonly sessionId: string;
}

/** Every name that cannot be an account shares this one throttle bucket. */
const NO_SUCH_NAME = '\0no-such-name';

export class AccountService {
  constructor(private readonly deps: AccountServiceDeps) {}

  async signup(rawUsername: string, password: string, ip: string): Promise<void> {
    const { users, hasher, policy, signupLimiter, limits, events, clock } = this.deps;
    let reservation: Reservation | undefined;
    try {
      reservation = await signupLimiter.reserve([
        // Stryker disable next-line StringLiteral,BooleanLiteral: equivalent. Any name distinct from the other limits' separates the counters ('' is too), and a sign-up never calls succeeded(), so clearOnSuccess is never read.
        { name: 'signup:address', parts: [throttleAddress(ip)], rule: limits.signupPerAddress, clearOnSuccess: false },
      ]);
      const name = prepareNewUsername(rawUsername);
      policy.check(password, name.key);
      // Cheap check first so a taken (or look-alike) name costs no hash; create() still
      // decides atomically.
      if (await users.isNameTaken(name.key, name.skeletons)) throw new UsernameTakenError();
      const passwordHash = await hasher.hash(normalizePassword(password));
      const now = new Date(clock());
      const created = await users.create({
        username: name.display,
        usernameKey: name.key,
        skeletons: name.skeletons,
        passwordHash,
        createdAt: now,
        passwordChangedAt: now,
      });
      if (!created) throw new UsernameTakenError();
      events.record({ type: 'signup', outcome: 'success', username: name.display, ip });
    } catch (err) {
      // A sign-up refused before any work was done (hashing at capacity) costs no attempt.
      // Stryker disable next-line OptionalChaining: equivalent. reserve() never throws HashingBusyError, so a busy error always comes with a reservation.
      if (err instanceof HashingBusyError) await reservation?.cancelled();
      // Store outages and other faults are not sign-up outcomes: they reach the error
      // handler (500) and its log line, not the audit trail.
      if (err instanceof DomainError && !isCapacityError(err)) {
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

  /**
   * OWASP Authentication Cheat Sheet: the attempt is reserved under every limit before the
   * password is checked (so concurrent guesses cannot pass a check that only reads a count),
   * names that cannot exist share one bucket and the dummy verification, and the strict
   * limit is per account and address, so nobody can lock an owner out from elsewhere.
   */
  async login(rawUsername: string, password: string, client: ClientInfo): Promise<IssuedTokens> {
    const { users, hasher, sessions, events, nameDigest } = this.deps;
    const ip = client.address;
    const key = loginKey(rawUsername);
    const account = key ?? NO_SUCH_NAME;
    let reservation: Reservation;
    try {
      reservation = await this.reserveLoginAttempt(account, ip);
    } catch (err) {
      if (err instanceof TooManyAttemptsError) {
        events.record({ type: 'login', outcome: 'throttled', usernameDigest: nameDigest(account), ip });
      }
      throw err;
    }

    const normalized = normalizePassword(password);
    let user: User | undefined;
    // Stryker disable next-line BooleanLiteral: equivalent. ok is read only when a user was found, and then verify() has set it.
    let ok = false;
    try {
      // Stryker disable next-line ConditionalExpression: equivalent. No store holds a user under an undefined key; skipping the lookup saves a round trip to a database.
      user = key === undefined ? undefined : await users.findByKey(key);
      if (user) ok = await hasher.verify(user.passwordHash, normalized);
      else await hasher.verifyDummy(normalized);
    } catch (err) {
      // No password check gave an answer (hashing busy, a store or worker fault): the attempt
      // is given back, so a fault never costs the owner a try.
      await reservation.cancelled();
      throw err;
    }
    if (!user || !ok) {
      events.record(
        user
          ? { type: 'login', outcome: 'failure', username: user.username, ip, reason: 'bad_password' }
          : { type: 'login', outcome: 'failure', usernameDigest: nameDigest(account), ip, reason: 'unknown_user' },
      );
      throw new InvalidCredentialsError();
    }

    await reservation.succeeded();
    if (hasher.needsRehash(user.passwordHash)) await this.rehash(user, normalized);
    events.record({ type: 'login', outcome: 'success', username: user.username, ip });
    return sessions.start(user, client);
  }

  /**
   * Changes the caller's password. The current password is checked under the login limits
   * (a stolen access token must not become a way to guess it); on success every other
   * session of the user ends, and the caller's stays.
   */
  async changePassword(principal: Principal, currentPassword: string, newPassword: string, ip: string): Promise<void> {
    const { users, hasher, policy, sessions, events } = this.deps;
    const { user } = principal;
    // A new password the policy refuses costs neither an attempt nor a hash.
    policy.check(newPassword, user.usernameKey, 'new_password');
    await this.recheckPassword(user, currentPassword, ip, 'password_change');
    await users.updatePasswordHash(
      user.usernameKey,
      await hasher.hash(normalizePassword(newPassword)),
      new Date(this.deps.clock()),
    );
    events.record({ type: 'password_change', outcome: 'success', username: user.username, ip });
    await sessions.endAll(user, 'password_changed', principal.sessionId);
  }

  /**
   * Deletes the caller's account, the current password checked first as for a password
   * change. Its sessions end before the account goes: should the deletion then fail (the
   * store is down), the account is intact and its owner logs in again to retry, rather than
   * live sessions being left behind a deleted account.
   */
  async deleteAccount(principal: Principal, currentPassword: string, ip: string): Promise<void> {
    const { users, sessions, events } = this.deps;
    const { user } = principal;
    await this.recheckPassword(user, currentPassword, ip, 'account_deleted');
    await sessions.endAll(user, 'account_deleted');
    // Only this account, by its creation time: a request that raced another deletion of it
    // must not delete a namesake who has signed up since.
    if (await users.delete(user.usernameKey, user.createdAt)) {
      // Again: a login that read the account before the delete may have opened a session since.
      await sessions.endAll(user, 'account_deleted');
      events.record({ type: 'account_deleted', outcome: 'success', username: user.username, ip });
    }
  }

  /**
   * Re-authentication before a change to the account (OWASP ASVS 5.0 §6.3): the current
   * password is checked under the login limits, so a stolen access token does not become a
   * way to guess it. A refusal is recorded as `event` with its outcome.
   */
  private async recheckPassword(
    user: User,
    currentPassword: string,
    ip: string,
    event: 'password_change' | 'account_deleted',
  ): Promise<void> {
    const { hasher, events } = this.deps;
    const reservation = await this.reserveLoginAttempt(user.usernameKey, ip).catch((err: unknown) => {
      if (err instanceof TooManyAttemptsError) {
        events.record({ type: event, outcome: 'throttled', username: user.username, ip });
      }
      throw err;
    });
    let ok: boolean;
    try {
      ok = await hasher.verify(user.passwordHash, normalizePassword(currentPassword));
    } catch (err) {
      // As at login: no answer, no attempt spent.
      await reservation.cancelled();
      throw err;
    }
    if (!ok) {
      events.record({ type: event, outcome: 'failure', username: user.username, ip, reason: 'bad_password' });
      throw new WrongCurrentPasswordError();
    }
    await reservation.succeeded();
  }

  /** One attempt under every login limit for `account` (a username key) from `ip`. */
  private reserveLoginAttempt(account: string, ip: string): Promise<Reservation> {
    const { loginLimiter, limits } = this.deps;
    const address = throttleAddress(ip);
    // Names only separate the limits' counters: any distinct names (an empty one too) do.
    // Stryker disable StringLiteral: equivalent, as above.
    return loginLimiter.reserve([
      { name: 'login:address', parts: [address], rule: limits.login.perAddress, clearOnSuccess: false },
      {
        name: 'login:account+address',
        parts: [account, address],
        rule: limits.login.perAccountAndAddress,
        clearOnSuccess: true,
      },
      { name: 'login:account', parts: [account], rule: limits.login.perAccount, clearOnSuccess: false },
    ]);
    // Stryker restore StringLiteral
  }

  /**
   * Upgrades a stored hash to the current parameters. Best effort: when hashing is at
   * capacity the login still succeeds, and the next one upgrades the hash.
   */
  private async rehash(user: User, normalizedPassword: string): Promise<void> {
    const { users, hasher, events } = this.deps;
    let passwordHash: string;
    try {
      passwordHash = await hasher.hash(normalizedPassword);
    } catch (err) {
      if (err instanceof HashingBusyError) return;
      throw err;
    }
    await users.updatePasswordHash(user.usernameKey, passwordHash);
    events.record({ type: 'password_rehashed', username: user.username });
  }

  /** Whom a Bearer token speaks for; throws InvalidTokenError for any refusal. */
  async authenticate(token: string): Promise<Principal> {
    const { users, tokens, revocations, sessions } = this.deps;
    const claims = await tokens.verifyAccessToken(token);
    if (await revocations.isRevoked(claims.jti)) throw new InvalidTokenError('revoked');
    if (!(await sessions.isActive(claims.sid))) throw new InvalidTokenError('session_ended');
    const user = await users.findByKey(usernameKey(claims.sub));
    if (!user) throw new InvalidTokenError('unknown_subject');
    // A token minted before this account existed belonged to a deleted namesake.
    if (claims.iat + tokens.leewaySeconds < Math.floor(user.createdAt.getTime() / 1000))
      throw new InvalidTokenError('predates_account');
    return { user, sessionId: claims.sid };
  }

  /**
   * RFC 7009: revokes a token this service issued. A refresh token ends its whole session;
   * an access token is refused from now on. Tokens that are invalid, expired or not ours
   * are ignored, as §2.2 requires ("the client cannot handle such an error"). The token's
   * shape tells the two kinds apart, so `token_type_hint` is never needed (§2.1).
   */
  async revoke(token: string): Promise<void> {
    const { tokens, revocations, sessions, events } = this.deps;
    if (looksLikeRefreshToken(token)) {
      await sessions.revokeRefreshToken(token);
      return;
    }
    let claims;
    try {
      claims = await tokens.verifyAccessToken(token);
    } catch (err) {
      // Stryker disable next-line ConditionalExpression: equivalent. verifyAccessToken() throws nothing but InvalidTokenError; the check keeps a future fault from being swallowed.
      if (err instanceof InvalidTokenError) return;
      throw err;
    }
    await revocations.revoke(claims.jti, (claims.exp + tokens.leewaySeconds) * 1000);
    events.record({ type: 'token_revoked', username: claims.sub, jti: claims.jti });
  }
}

/** Errors that say the service could not do the work now, not what the client sent. */
const isCapacityError = (err: DomainError): boolean =>
  err instanceof HashingBusyError || err instanceof ThrottleStateFullError || err instanceof StoreUnavailableError;

/** A stable reason for the audit trail: the rule a field broke, or the error's code. */
function auditReason(err: DomainError): string {
  return err instanceof RuleViolationError ? `${err.field}.${err.rule}` : err.code;
}
