import type { Clock } from '../domain/clock';
import {
  isLive,
  type ClientSeen,
  type Liveness,
  type Rotation,
  type Session,
  type SessionStore,
} from '../domain/session-store';

interface Family {
  session: Session;
  /** The hash of the one refresh token that may be used next. */
  currentHash: string;
  /** Every hash this session has consumed: presenting one again is reuse. */
  readonly consumed: string[];
}

/**
 * Process-local sessions. Every method runs synchronously to its end (no await inside), so
 * each is atomic: two concurrent rotations of one token cannot both see it current.
 *
 * Memory is bounded: sessions per user are capped at create(), and sessions past their
 * absolute end are swept (at most once a minute, on create). A session costs its record plus
 * one hash per rotation, kept until the session ends so that reuse is always recognised.
 */
export class MemorySessionStore implements SessionStore {
  private readonly families = new Map<string, Family>();
  /** refresh token hash (current or consumed) -> session id */
  private readonly byToken = new Map<string, string>();
  /** username key -> its session ids */
  private readonly byUser = new Map<string, Set<string>>();
  private lastSweep = 0;

  constructor(
    private readonly clock: Clock,
    private readonly sweepEveryMs = 60_000,
  ) {}

  async create(session: Session, refreshTokenHash: string, maxPerUser: number): Promise<readonly string[]> {
    this.sweep();
    this.families.set(session.id, { session, currentHash: refreshTokenHash, consumed: [] });
    this.byToken.set(refreshTokenHash, session.id);
    const ids = this.byUser.get(session.usernameKey) ?? new Set<string>();
    ids.add(session.id);
    this.byUser.set(session.usernameKey, ids);
    if (ids.size <= maxPerUser) return [];
    const oldestFirst = this.sessionsOf(session.usernameKey).sort(
      (a, b) => a.lastUsedAt.getTime() - b.lastUsedAt.getTime(),
    );
    const evicted = oldestFirst.slice(0, ids.size - maxPerUser).map((s) => s.id);
    for (const id of evicted) this.remove(id);
    return evicted;
  }

  async rotate(presentedHash: string, nextHash: string, seen: ClientSeen, live: Liveness): Promise<Rotation> {
    const family = this.liveFamily(presentedHash, live);
    if (!family) return { outcome: 'unknown' };
    if (family.currentHash !== presentedHash) {
      this.remove(family.session.id);
      return { outcome: 'reused', session: family.session };
    }
    family.consumed.push(presentedHash);
    family.currentHash = nextHash;
    family.session = { ...family.session, ...seen, lastUsedAt: live.now };
    this.byToken.set(nextHash, family.session.id);
    return { outcome: 'rotated', session: family.session };
  }

  async findByRefreshToken(refreshTokenHash: string, live: Liveness): Promise<Session | undefined> {
    return this.liveFamily(refreshTokenHash, live)?.session;
  }

  async isActive(sessionId: string, now: Date): Promise<boolean> {
    const family = this.families.get(sessionId);
    // getTime(), not `>` on Dates: the hot path, and valueOf() through ToPrimitive is slower.
    return family !== undefined && family.session.expiresAt.getTime() > now.getTime();
  }

  async listActive(usernameKey: string, live: Liveness): Promise<readonly Session[]> {
    return this.sessionsOf(usernameKey)
      .filter((s) => isLive(s, live))
      .sort((a, b) => b.lastUsedAt.getTime() - a.lastUsedAt.getTime());
  }

  async end(usernameKey: string, sessionId: string): Promise<boolean> {
    if (this.families.get(sessionId)?.session.usernameKey !== usernameKey) return false;
    this.remove(sessionId);
    return true;
  }

  async endAll(usernameKey: string, exceptSessionId?: string): Promise<readonly string[]> {
    const ids = [...(this.byUser.get(usernameKey) ?? [])].filter((id) => id !== exceptSessionId);
    for (const id of ids) this.remove(id);
    return ids;
  }

  /** Sessions held, live or not yet swept (for tests and the memory bench). */
  get size(): number {
    return this.families.size;
  }

  /** Every session of the owner, live or not yet swept. */
  private sessionsOf(usernameKey: string): Session[] {
    return [...(this.byUser.get(usernameKey) ?? [])]
      .map((id) => this.families.get(id)?.session)
      .filter((s): s is Session => s !== undefined);
  }

  /** The family a token belongs to when its session is live; a dead one is dropped on the way. */
  private liveFamily(tokenHash: string, live: Liveness): Family | undefined {
    const id = this.byToken.get(tokenHash);
    const family = id === undefined ? undefined : this.families.get(id);
    if (!family) return undefined;
    if (isLive(family.session, live)) return family;
    this.remove(family.session.id);
    return undefined;
  }

  private remove(sessionId: string): void {
    const family = this.families.get(sessionId);
    if (!family) return;
    this.families.delete(sessionId);
    this.byToken.delete(family.currentHash);
    for (const hash of family.consumed) this.byToken.delete(hash);
    const ids = this.byUser.get(family.session.usernameKey);
    ids?.delete(sessionId);
    if (ids?.size === 0) this.byUser.delete(family.session.usernameKey);
  }

  /** Drops sessions past their absolute end. Idle ones go when next looked up or listed. */
  private sweep(): void {
    const now = this.clock();
    if (now - this.lastSweep < this.sweepEveryMs) return;
    this.lastSweep = now;
    for (const [id, family] of this.families) if (family.session.expiresAt.getTime() <= now) this.remove(id);
  }
}
