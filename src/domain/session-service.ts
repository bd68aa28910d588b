// Sessions: one per login, each with a rotating refresh token (RFC 6749 §6, RFC 9700 §4.14).
// Refresh tokens are opaque, 256 random bits, and stored only as a SHA-256 digest: a stolen
// database holds nothing that can be presented. Every refresh consumes the token and issues
// a new one; presenting a consumed token ends the whole session (reuse detection), and every
// access token carries its session's id (`sid`), so an ended session's tokens stop at once.
import { createHash, randomBytes } from 'node:crypto';
import type { AuthEventSink, SessionEndReason } from './auth-events';
import type { Clock } from './clock';
import { InvalidGrantError, SessionNotFoundError } from './errors';
import type { Liveness, Session, SessionStore } from './session-store';
import type { TokenService } from './token-service';
import type { User, UserStore } from './user-store';

export interface SessionPolicy {
  /** Absolute lifetime of a session from its login (REFRESH_TOKEN_EXPIRE_DAYS). */
  readonly lifetimeMs: number;
  /** A session not refreshed for this long ends; undefined: no idle timeout. */
  readonly idleTimeoutMs: number | undefined;
  /** Live sessions one user may hold; a login beyond it ends the least recently used. */
  readonly maxPerUser: number;
}

/** Who is on the other end of a login or refresh, as the sessions list shows it. */
export interface ClientInfo {
  readonly address: string;
  readonly userAgent: string | undefined;
}

/** What a login or a refresh hands the client. */
export interface IssuedTokens {
  readonly accessToken: string;
  /** Seconds until the access token expires. */
  readonly expiresIn: number;
  readonly refreshToken: string;
  readonly sessionId: string;
}

export interface SessionServiceDeps {
  readonly sessions: SessionStore;
  readonly users: UserStore;
  readonly tokens: TokenService;
  readonly policy: SessionPolicy;
  readonly events: AuthEventSink;
  readonly clock: Clock;
}

/** 32 bytes in base64url, no padding: exactly 43 characters of [A-Za-z0-9_-]. */
const REFRESH_TOKEN = /^[A-Za-z0-9_-]{43}$/;
/** A User-Agent longer than this is cut: the sessions list needs no more to tell devices apart. */
export const USER_AGENT_MAX_LENGTH = 256;

/** The only form in which a refresh token is stored or compared. */
export const refreshTokenDigest = (token: string): string => createHash('sha256').update(token).digest('base64url');

const newRefreshToken = (): string => randomBytes(32).toString('base64url');
const newSessionId = (): string => randomBytes(16).toString('base64url');

/** True for a value shaped like our refresh tokens (and never like a JWT, which has dots). */
export const looksLikeRefreshToken = (value: string): boolean => REFRESH_TOKEN.test(value);

export class SessionService {
  constructor(private readonly deps: SessionServiceDeps) {}

  /** Starts a session for a user who has just proved their password. */
  async start(user: User, client: ClientInfo): Promise<IssuedTokens> {
    const { sessions, policy, clock } = this.deps;
    const now = new Date(clock());
    const refreshToken = newRefreshToken();
    const session: Session = {
      id: newSessionId(),
      usernameKey: user.usernameKey,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: new Date(now.getTime() + policy.lifetimeMs),
      clientAddress: client.address,
      userAgent: shortened(client.userAgent),
    };
    const evicted = await sessions.create(session, refreshTokenDigest(refreshToken), policy.maxPerUser);
    for (const sid of evicted) this.recordEnd(user.username, sid, 'session_limit');
    return this.issue(user, session.id, refreshToken);
  }

  /**
   * RFC 6749 §6 with RFC 9700 §4.14.2 rotation: consumes `refreshToken` and returns a new
   * pair. A consumed token ends its session; any refusal is InvalidGrantError.
   */
  async refresh(refreshToken: string, client: ClientInfo): Promise<IssuedTokens> {
    const { sessions, users, events } = this.deps;
    const fail = (reason: InvalidGrantError['reason'], session?: Session, username?: string): never => {
      events.record({
        type: 'token_refreshed',
        outcome: 'failure',
        ...(username === undefined ? {} : { username }),
        ...(session === undefined ? {} : { sid: session.id }),
        ip: client.address,
        reason,
      });
      throw new InvalidGrantError(reason);
    };
    if (!looksLikeRefreshToken(refreshToken)) return fail('malformed');

    const next = newRefreshToken();
    const seen = { clientAddress: client.address, userAgent: shortened(client.userAgent) };
    const rotation = await sessions.rotate(
      refreshTokenDigest(refreshToken),
      refreshTokenDigest(next),
      seen,
      this.liveness(),
    );
    if (rotation.outcome === 'unknown') return fail('unknown');
    const { session } = rotation;
    const user = await users.findByKey(session.usernameKey);
    if (rotation.outcome === 'reused') {
      const username = user?.username ?? session.usernameKey;
      this.recordEnd(username, session.id, 'refresh_token_reused');
      return fail('reused', session, username);
    }
    // A session older than the account belonged to a deleted namesake: it must not speak
    // for the new account (authenticate() refuses such access tokens the same way).
    if (!user || session.createdAt.getTime() < user.createdAt.getTime()) {
      await sessions.end(session.usernameKey, session.id);
      return fail('account_gone', session);
    }
    events.record({
      type: 'token_refreshed',
      outcome: 'success',
      username: user.username,
      sid: session.id,
      ip: client.address,
    });
    return this.issue(user, session.id, next);
  }

  /** True when access tokens of this session may still be honoured (the hot path: one lookup). */
  isActive(sessionId: string): Promise<boolean> {
    return this.deps.sessions.isActive(sessionId, new Date(this.deps.clock()));
  }

  /**
   * RFC 7009 for refresh tokens: ends the session a refresh token (current or already
   * consumed) belongs to. Unknown tokens are ignored, as §2.2 requires. The caller has told
   * refresh tokens from access tokens by their shape (looksLikeRefreshToken).
   */
  async revokeRefreshToken(refreshToken: string): Promise<void> {
    const { sessions } = this.deps;
    const session = await sessions.findByRefreshToken(refreshTokenDigest(refreshToken), this.liveness());
    if (!session) return;
    await this.end(session.usernameKey, session.id, 'revoked');
  }

  /** The user's live sessions, most recently used first. */
  list(user: User): Promise<readonly Session[]> {
    return this.deps.sessions.listActive(user.usernameKey, this.liveness());
  }

  /** Ends the caller's own session (logout); a session that ended meanwhile is no error. */
  async endCurrent(user: User, sessionId: string): Promise<void> {
    await this.end(user.usernameKey, sessionId, 'logout', user.username);
  }

  /** Ends one of the user's sessions; SessionNotFoundError when the user has none with that id. */
  async endOwn(user: User, sessionId: string, reason: SessionEndReason): Promise<void> {
    if (!(await this.end(user.usernameKey, sessionId, reason, user.username))) throw new SessionNotFoundError();
  }

  /** Ends every session of the user except `keep` (when given); returns how many ended. */
  async endAll(user: User, reason: SessionEndReason, keep?: string): Promise<number> {
    const ended = await this.deps.sessions.endAll(user.usernameKey, keep);
    for (const sid of ended) this.recordEnd(user.username, sid, reason);
    return ended.length;
  }

  private async end(
    usernameKey: string,
    sessionId: string,
    reason: SessionEndReason,
    username?: string,
  ): Promise<boolean> {
    const ended = await this.deps.sessions.end(usernameKey, sessionId);
    if (ended)
      this.recordEnd(
        username ?? (await this.deps.users.findByKey(usernameKey))?.username ?? usernameKey,
        sessionId,
        reason,
      );
    return ended;
  }

  private recordEnd(username: string, sid: string, reason: SessionEndReason): void {
    this.deps.events.record({ type: 'session_ended', username, sid, reason });
  }

  private async issue(user: User, sessionId: string, refreshToken: string): Promise<IssuedTokens> {
    const access = await this.deps.tokens.issueAccessToken(user.username, sessionId);
    this.deps.events.record({ type: 'token_issued', username: user.username, sid: sessionId, jti: access.jti });
    return { accessToken: access.token, expiresIn: access.expiresIn, refreshToken, sessionId };
  }

  private liveness(): Liveness {
    const { clock, policy } = this.deps;
    const now = clock();
    return {
      now: new Date(now),
      usedSince: policy.idleTimeoutMs === undefined ? undefined : new Date(now - policy.idleTimeoutMs),
    };
  }
}

/** The User-Agent as stored: at most USER_AGENT_MAX_LENGTH code units; empty is none. */
function shortened(userAgent: string | undefined): string | undefined {
  if (userAgent === undefined || userAgent.length === 0) return undefined;
  // Stryker disable next-line EqualityOperator,ConditionalExpression: equivalent. A User-Agent up to the limit, cut to the limit, is itself.
  return userAgent.length > USER_AGENT_MAX_LENGTH ? userAgent.slice(0, USER_AGENT_MAX_LENGTH) : userAgent;
}
