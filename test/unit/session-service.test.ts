// SessionService on its own, over the in-memory store: what it records for each outcome,
// and how it stores what the client told it.
import { MemorySessionStore } from '../../src/data-access/memory-session-store';
import { MemoryUserStore } from '../../src/data-access/memory-user-store';
import type { AuthEvent } from '../../src/domain/auth-events';
import { InvalidGrantError } from '../../src/domain/errors';
import { SessionService, USER_AGENT_MAX_LENGTH, type ClientInfo } from '../../src/domain/session-service';
import { TokenService } from '../../src/domain/token-service';
import type { User } from '../../src/domain/user-store';
import { createSecretKey } from 'node:crypto';
import { HmacKeySet } from '../../src/domain/signing-keys';
import { FakeClock, TEST_JWT_SECRET } from '../helpers/test-app';

const client: ClientInfo = { address: '192.0.2.9', userAgent: 'unit/1.0' };

async function setUp(maxPerUser = 50) {
  const clock = new FakeClock();
  const users = new MemoryUserStore();
  const store = new MemorySessionStore(clock.now);
  const events: AuthEvent[] = [];
  const tokens = new TokenService({
    keys: new HmacKeySet(createSecretKey(Buffer.from(TEST_JWT_SECRET)), 'HS256'),
    issuer: 'https://auth.example',
    audience: 'jwt-auth-service',
    ttlSeconds: 1800,
    clockToleranceSeconds: 5,
    clock: clock.now,
  });
  const service = new SessionService({
    sessions: store,
    users,
    tokens,
    policy: { lifetimeMs: 14 * 86_400_000, idleTimeoutMs: undefined, maxPerUser },
    events: { record: (e) => events.push(e) },
    clock: clock.now,
  });
  const user: User = {
    username: 'Alice',
    usernameKey: 'alice',
    skeletons: [],
    passwordHash: 'unused',
    createdAt: new Date(clock.now()),
    passwordChangedAt: new Date(clock.now()),
  };
  await users.create(user);
  return { clock, users, store, events, service, user };
}

const refusal = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise;
  } catch (err) {
    if (err instanceof InvalidGrantError) return err.reason;
    throw err;
  }
  return 'accepted';
};

describe('SessionService', () => {
  it('records each refused refresh with its reason, and names the session and account when it knows them', async () => {
    const { service, events, users, user } = await setUp();
    expect(await refusal(service.refresh('not a token', client))).toBe('malformed');
    expect(await refusal(service.refresh('A'.repeat(43), client))).toBe('unknown');
    const first = await service.start(user, client);
    await service.refresh(first.refreshToken, client);
    expect(await refusal(service.refresh(first.refreshToken, client))).toBe('reused');
    const second = await service.start(user, client);
    await users.delete('alice');
    expect(await refusal(service.refresh(second.refreshToken, client))).toBe('account_gone');

    const failures = events.filter((e) => e.type === 'token_refreshed' && e.outcome === 'failure');
    expect(failures).toStrictEqual([
      { type: 'token_refreshed', outcome: 'failure', ip: '192.0.2.9', reason: 'malformed' },
      { type: 'token_refreshed', outcome: 'failure', ip: '192.0.2.9', reason: 'unknown' },
      {
        type: 'token_refreshed',
        outcome: 'failure',
        username: 'Alice',
        sid: first.sessionId,
        ip: '192.0.2.9',
        reason: 'reused',
      },
      { type: 'token_refreshed', outcome: 'failure', sid: second.sessionId, ip: '192.0.2.9', reason: 'account_gone' },
    ]);
  });

  it('when a reused token’s account is gone, then the session ends under the stored key', async () => {
    const { service, events, users, user } = await setUp();
    const first = await service.start(user, client);
    await service.refresh(first.refreshToken, client);
    await users.delete('alice');
    expect(await refusal(service.refresh(first.refreshToken, client))).toBe('reused');
    expect(events).toContainEqual({
      type: 'session_ended',
      username: 'alice',
      sid: first.sessionId,
      reason: 'refresh_token_reused',
    });
  });

  it('records a session ended by the per-user cap, and by revocation of its refresh token, under the account’s name', async () => {
    const { service, events, user } = await setUp(1);
    const first = await service.start(user, client);
    const second = await service.start(user, client);
    await service.revokeRefreshToken(second.refreshToken);
    await service.revokeRefreshToken('not a token');
    await service.revokeRefreshToken('B'.repeat(43));
    expect(events.filter((e) => e.type === 'session_ended')).toEqual([
      { type: 'session_ended', username: 'Alice', sid: first.sessionId, reason: 'session_limit' },
      { type: 'session_ended', username: 'Alice', sid: second.sessionId, reason: 'revoked' },
    ]);
  });

  it('when revoking the refresh token of a deleted account, then the event names the stored key', async () => {
    const { service, events, users, user } = await setUp();
    const pair = await service.start(user, client);
    await users.delete('alice');
    await service.revokeRefreshToken(pair.refreshToken);
    expect(events).toContainEqual({ type: 'session_ended', username: 'alice', sid: pair.sessionId, reason: 'revoked' });
  });

  it('records an end only when a session ended: logging out twice records one', async () => {
    const { service, events, user } = await setUp();
    const pair = await service.start(user, client);
    await service.endCurrent(user, pair.sessionId);
    await service.endCurrent(user, pair.sessionId);
    expect(events.filter((e) => e.type === 'session_ended')).toHaveLength(1);
  });

  it.each<[string, string | undefined, string | undefined]>([
    ['none', undefined, undefined],
    ['an empty one', '', undefined],
    ['one of exactly the limit', 'u'.repeat(USER_AGENT_MAX_LENGTH), 'u'.repeat(USER_AGENT_MAX_LENGTH)],
    ['a longer one, cut to the limit', 'v'.repeat(USER_AGENT_MAX_LENGTH + 44), 'v'.repeat(USER_AGENT_MAX_LENGTH)],
  ])('stores %s User-Agent as the sessions list shows it, at login and at refresh', async (_why, sent, stored) => {
    const { service, user } = await setUp();
    const pair = await service.start(user, { address: '192.0.2.1', userAgent: sent });
    expect((await service.list(user))[0]?.userAgent).toBe(stored);
    await service.refresh(pair.refreshToken, { address: '192.0.2.2', userAgent: sent });
    expect(await service.list(user)).toEqual([
      expect.objectContaining({ clientAddress: '192.0.2.2', userAgent: stored }),
    ]);
  });
});
