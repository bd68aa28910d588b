#!/usr/bin/env node
// What sessions cost in the in-memory store (npm run bench runs it; needs dist/): the heap
// held per session, the heap each refresh adds (the consumed token's digest is kept until the
// session ends, so a replay is always recognised), and the time of the `sid` check every
// authenticated request makes (SessionStore.isActive) next to a bare Map lookup.
//
//   node --expose-gc bench/session-memory.mjs [--sessions=N] [--rotations=N]   prints one JSON line
/* global process, console */
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { requireGc, settledHeap } from './heap.mjs';

const require = createRequire(import.meta.url);
const { MemorySessionStore } = require('../dist/data-access/memory-session-store.js');

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const sessions = arg('sessions', 100_000);
const rotations = arg('rotations', 10);
requireGc();
const digest = () => createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');

const now = Date.now();
const store = new MemorySessionStore(() => now);
const live = { now: new Date(now), usedSince: undefined };
const seen = { clientAddress: '198.51.100.23', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) ExampleBrowser/1.0' };
const ids = [];
const current = [];

const before = settledHeap();
for (let i = 0; i < sessions; i++) {
  const id = randomBytes(16).toString('base64url');
  const hash = digest();
  ids.push(id);
  current.push(hash);
  await store.create(
    {
      id,
      usernameKey: `user${i % Math.ceil(sessions / 10)}`,
      createdAt: new Date(now),
      lastUsedAt: new Date(now),
      expiresAt: new Date(now + 14 * 86_400_000),
      clientAddress: seen.clientAddress,
      userAgent: seen.userAgent,
    },
    hash,
    50,
  );
}
const afterCreate = settledHeap();
for (let r = 0; r < rotations; r++) {
  for (let i = 0; i < sessions; i++) {
    const next = digest();
    await store.rotate(current[i], next, seen, live);
    current[i] = next;
  }
}
const afterRotations = settledHeap();

// The sid check as the hot path makes it, against a Map.get of the same keys.
const lookups = 2_000_000;
const at = new Date(now);
const time = async (fn) => {
  for (let i = 0; i < 100_000; i++) await fn(ids[i % sessions]); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < lookups; i++) await fn(ids[(i * 7919) % sessions]);
  return Number(process.hrtime.bigint() - start) / lookups;
};
const plain = new Map(ids.map((id) => [id, true]));
const mapNs = await time(async (id) => plain.get(id));
const isActiveNs = await time((id) => store.isActive(id, at));

console.log(
  JSON.stringify({
    sessions: store.size,
    bytesPerSession: Math.round((afterCreate - before) / sessions),
    rotationsPerSession: rotations,
    bytesPerRotation: Math.round((afterRotations - afterCreate) / (sessions * rotations)),
    sidCheckNs: Math.round(isActiveNs),
    awaitedMapGetNs: Math.round(mapNs),
  }),
);
