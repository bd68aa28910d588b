import type { Clock } from '../domain/clock';
import type { RevocationStore } from '../domain/revocation-store';

/**
 * Process-local revocation list. Only tokens whose signature verified are ever recorded, and
 * each entry is dropped once its token has expired, so the map is bounded by the number of
 * live tokens.
 */
export class MemoryRevocationStore implements RevocationStore {
  private readonly revoked = new Map<string, number>();
  private lastSweep = 0;

  constructor(
    private readonly clock: Clock,
    private readonly sweepEveryMs = 60_000,
  ) {}

  async revoke(jti: string, expiresAtMs: number): Promise<void> {
    this.sweep();
    // A second revocation never shortens the first.
    this.revoked.set(jti, Math.max(expiresAtMs, this.revoked.get(jti) ?? expiresAtMs));
  }

  async isRevoked(jti: string): Promise<boolean> {
    const until = this.revoked.get(jti);
    return until !== undefined && until > this.clock();
  }

  get size(): number {
    return this.revoked.size;
  }

  private sweep(): void {
    const now = this.clock();
    if (now - this.lastSweep < this.sweepEveryMs) return;
    this.lastSweep = now;
    for (const [jti, until] of this.revoked) if (until <= now) this.revoked.delete(jti);
  }
}
