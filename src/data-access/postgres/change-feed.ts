// LISTEN auth_changes on a connection of its own, so that each replica can keep what the
// request path reads (sessions by id, users by key, revocations by jti) in memory and still
// see, within milliseconds, what another replica changed. The migration's triggers send
// '<kind>:<key>' at commit.
//
// A cache may only be trusted while this feed is live: connected, listening, and answering
// its heartbeat. Whenever it is not, caches are bypassed (every read goes to the database,
// and fails closed with 503 when the database is down) and emptied on the way back, since
// notifications sent meanwhile are lost.
import { Client } from 'pg';
import type { Logger } from 'pino';
import { connectionSettings, withTimeout, type PostgresConfig } from './database';
import { errorSummary } from '../../logger';

export const CHANNEL = 'auth_changes';

export type ChangeKind = 's' | 'u' | 'r';

export interface FeedTiming {
  /** How often the listening connection is checked with a round trip. */
  readonly heartbeatMs: number;
  /** A heartbeat not answered within this counts as a lost connection. */
  readonly heartbeatTimeoutMs: number;
  /** Reconnection backoff: first delay, doubled up to the maximum. */
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
}

export const DEFAULT_FEED_TIMING: FeedTiming = {
  heartbeatMs: 500,
  heartbeatTimeoutMs: 1_000,
  retryMinMs: 100,
  retryMaxMs: 2_000,
};

export class ChangeFeed {
  /**
   * Bumped on every notification and every loss or regain of the connection. A cache that
   * read the database stores the answer only if the epoch did not move meanwhile: otherwise
   * a change may have landed between the read and now.
   */
  epoch = 0;
  private client: Client | undefined;
  private live = false;
  private closed = false;
  private retryMs: number;
  private heartbeat: NodeJS.Timeout | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private readonly listeners = new Map<ChangeKind, Array<(key: string) => void>>();
  private readonly resetListeners: Array<() => void> = [];

  constructor(
    private readonly config: PostgresConfig,
    private readonly logger: Logger,
    private readonly timing: FeedTiming = DEFAULT_FEED_TIMING,
  ) {
    this.retryMs = timing.retryMinMs;
  }

  /** Connects and listens; resolves once live (start-up waits for it) or rejects with the cause. */
  async start(): Promise<void> {
    await this.connect();
  }

  isLive(): boolean {
    return this.live;
  }

  /** Calls `listener` with the key of every change of this kind. */
  on(kind: ChangeKind, listener: (key: string) => void): void {
    const list = this.listeners.get(kind) ?? [];
    list.push(listener);
    this.listeners.set(kind, list);
  }

  /** Calls `listener` whenever notifications may have been missed (connection lost or regained). */
  onReset(listener: () => void): void {
    this.resetListeners.push(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.reconnect);
    this.setLive(false);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client(connectionSettings(this.config, 'changes'));
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    client.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload !== undefined) this.deliver(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      // Not yet this.client: its 'error' and 'end' events are ignored, and the caller retries.
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = this.timing.retryMinMs;
    this.setLive(true);
    this.heartbeat = setInterval(() => void this.beat(client), this.timing.heartbeatMs);
    this.heartbeat.unref();
  }

  private async beat(client: Client): Promise<void> {
    try {
      await withTimeout(client.query('SELECT 1'), this.timing.heartbeatTimeoutMs, 'heartbeat not answered');
    } catch (err) {
      this.lost(client, err);
    }
  }

  private deliver(payload: string): void {
    this.epoch += 1;
    const kind = payload.slice(0, 1) as ChangeKind;
    const key = payload.slice(2);
    for (const listener of this.listeners.get(kind) ?? []) listener(key);
  }

  /** The listening connection failed: bypass caches now, and reconnect with backoff. */
  private lost(client: Client, err: unknown): void {
    if (client !== this.client) return;
    this.client = undefined;
    clearInterval(this.heartbeat);
    this.setLive(false);
    client.removeAllListeners('end');
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    if (this.closed) return;
    this.logger.warn(
      { err: errorSummary(err) },
      'change feed lost: caches bypassed until it reconnects (reads go to the database)',
    );
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, this.timing.retryMaxMs);
    this.reconnect = setTimeout(() => {
      this.connect().then(
        () => this.logger.info('change feed reconnected: caches in use again'),
        () => (this.closed ? undefined : this.scheduleReconnect()),
      );
    }, delay);
    this.reconnect.unref();
  }

  private setLive(live: boolean): void {
    if (this.live === live) return;
    this.live = live;
    this.epoch += 1;
    for (const listener of this.resetListeners) listener();
  }
}

/**
 * A read-through cache trusted only while the feed is live. Entries are dropped when the
 * feed reports a change of their key, when the feed is lost or regained, and after `ttlMs`
 * (a bound on memory and on any unforeseen gap, not the mechanism replicas rely on).
 */
export class FeedCache<V> {
  private readonly entries = new Map<string, { readonly value: V; readonly storedAt: number }>();

  constructor(
    private readonly feed: ChangeFeed,
    kind: ChangeKind,
    private readonly options: { readonly maxEntries: number; readonly ttlMs: number },
  ) {
    feed.on(kind, (key) => this.entries.delete(key));
    feed.onReset(() => this.entries.clear());
  }

  /**
   * Drops `key` after this replica changed it: its own notification arrives only later. Moving
   * the epoch keeps a read already in flight from storing the old answer.
   */
  invalidate(key: string): void {
    this.entries.delete(key);
    this.feed.epoch += 1;
  }

  async get(key: string, load: () => Promise<V>): Promise<V> {
    if (this.feed.isLive()) {
      const entry = this.entries.get(key);
      if (entry !== undefined && Date.now() - entry.storedAt < this.options.ttlMs) return entry.value;
    }
    const epoch = this.feed.epoch;
    const value = await load();
    if (this.feed.isLive() && this.feed.epoch === epoch) this.store(key, value);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }

  private store(key: string, value: V): void {
    this.entries.delete(key);
    if (this.entries.size >= this.options.maxEntries) {
      // Maps iterate in insertion order: the first key is the one stored longest ago.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, storedAt: Date.now() });
  }
}
