import { MemoryRevocationStore } from '../../src/data-access/memory-revocation-store';

describe('MemoryRevocationStore', () => {
  it('reports a jti revoked until its token would have expired, then forgets it', async () => {
    let now = 0;
    const store = new MemoryRevocationStore(() => now, 1000);
    await store.revoke('a', 5000);
    expect(await store.isRevoked('a')).toBe(true);
    expect(await store.isRevoked('b')).toBe(false);
    now = 5000;
    expect(await store.isRevoked('a')).toBe(false);
    await store.revoke('c', 9000);
    expect(store.size).toBe(1);
  });
});
