#!/usr/bin/env node
// Summarises a V8 .cpuprofile (from `node --cpu-prof`): the top self-time functions, self
// time by package, self time "attributed" to the nearest package/app frame (so V8 built-ins
// such as JSON.stringify, and Node core such as res.writeHead, count against the library
// that called them; ajv's generated validators, which have no URL, count against the
// express-openapi-validator code that invoked them), and self time by concern (helper
// packages such as path-to-regexp or jws charged to the framework package that called them).
//
//   node bench/profile-summary.mjs <file.cpuprofile> [--top=25] [--from-us=N --to-us=N]
//                                   [--skip-ms=N] [--json]
//
// --from-us/--to-us: keep only samples in that window, in the profile's own clock (on Linux
// the same CLOCK_MONOTONIC as process.hrtime() in another process, which bench/run.mjs uses
// to cut start-up and warm-up out of the profile). --skip-ms: drop the first N ms instead.
/* global process, console */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Which concern each runtime package belongs to (for the "by concern" table). */
const CONCERNS = [
  [
    'express-openapi-validator (+ajv)',
    [
      'express-openapi-validator',
      'ajv',
      'ajv-formats',
      'ajv-draft-04',
      'fast-deep-equal',
      'fast-uri',
      'json-schema-traverse',
      'lodash.get',
      'lodash.clonedeep',
      'media-typer',
      'multer',
      'busboy',
      'ono',
      '@jsdevtools/ono',
      '@apidevtools/json-schema-ref-parser',
    ],
  ],
  [
    'pino / pino-http',
    [
      'pino',
      'pino-http',
      'pino-std-serializers',
      'sonic-boom',
      'fast-redact',
      '@pinojs/redact',
      'quick-format-unescaped',
      'safe-stable-stringify',
      'on-exit-leak-free',
      'thread-stream',
      'atomic-sleep',
      'process-warning',
      'get-caller-file',
    ],
  ],
  ['helmet', ['helmet']],
  ['cors', ['cors', 'object-assign']],
  [
    'jsonwebtoken (+jws/jwa)',
    [
      'jsonwebtoken',
      'jws',
      'jwa',
      'safe-buffer',
      'buffer-equal-constant-time',
      'ecdsa-sig-formatter',
      'lodash.includes',
      'lodash.isboolean',
      'lodash.isinteger',
      'lodash.isnumber',
      'lodash.isplainobject',
      'lodash.isstring',
      'lodash.once',
      'ms',
      'semver',
    ],
  ],
  [
    'express (router, body parsers, res helpers)',
    [
      'express',
      'router',
      'body-parser',
      'finalhandler',
      'on-finished',
      'parseurl',
      'path-to-regexp',
      'send',
      'serve-static',
      'type-is',
      'content-type',
      'accepts',
      'negotiator',
      'mime-types',
      'mime-db',
      'fresh',
      'etag',
      'vary',
      'statuses',
      'depd',
      'encodeurl',
      'escape-html',
      'qs',
      'raw-body',
      'http-errors',
      'setprototypeof',
      'iconv-lite',
      'content-disposition',
      'cookie',
      'cookie-signature',
      'merge-descriptors',
      'proxy-addr',
      'forwarded',
      'ipaddr.js',
      'range-parser',
      'debug',
      'bytes',
      'unpipe',
      'ee-first',
      'is-promise',
      'side-channel',
      'side-channel-list',
      'side-channel-map',
      'side-channel-weakmap',
      'call-bound',
      'get-intrinsic',
      'es-errors',
      'object-inspect',
      'inherits',
      'toidentifier',
      'safer-buffer',
    ],
  ],
  ['prom-client', ['prom-client', 'tdigest', 'bintrees']],
  ['swagger-ui-express', ['swagger-ui-express', 'swagger-ui-dist']],
];
const CONCERN_OF = new Map(CONCERNS.flatMap(([concern, pkgs]) => pkgs.map((p) => [p, concern])));

/**
 * Packages that stand for a concern of their own. For the "by concern" table, time spent in
 * any other package (path-to-regexp, jws, @pinojs/redact, parseurl…), in Node core, or in
 * V8 built-ins is charged to the nearest of these (or to app code) on the stack. So
 * path-to-regexp called by express-openapi-validator counts as validator time, not routing.
 */
const CONCERN_ROOTS = new Set([
  'express-openapi-validator',
  'pino',
  'pino-http',
  'helmet',
  'cors',
  'jsonwebtoken',
  'express',
  'router',
  'body-parser',
  'prom-client',
  'swagger-ui-express',
  '@node-rs/argon2',
]);

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** 'pkg' for .../node_modules/pkg/..., '@s/p' for scoped; the innermost node_modules wins. */
export function packageOf(url) {
  if (!url) return null;
  const marker = 'node_modules/';
  const at = url.lastIndexOf(marker);
  if (at === -1) return null;
  const rest = url.slice(at + marker.length).split('/');
  return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
}

/** A frame's owner: a package, the app (dist/ or src/), node core, or null (V8 built-in / eval). */
export function ownerOf(callFrame) {
  const url = callFrame.url ?? '';
  const pkg = packageOf(url);
  if (pkg) return { kind: 'package', name: pkg };
  if (url.startsWith('node:')) return { kind: 'node', name: 'node core' };
  if (url.startsWith('file://') || url.startsWith('/')) {
    const file = url.startsWith('file://') ? fileURLToPath(url) : url;
    const rel = path.relative(ROOT, file);
    return { kind: 'app', name: rel.startsWith('..') ? file : `app: ${rel.split(path.sep).slice(0, 2).join('/')}` };
  }
  if (url) return { kind: 'other', name: url };
  return null;
}

const shortUrl = (url) => {
  if (!url) return '';
  const file = url.startsWith('file://') ? fileURLToPath(url) : url;
  const rel = file.startsWith('/') ? path.relative(ROOT, file) : file;
  return rel.replace(/^node_modules\//, '');
};

function concernOf(owner) {
  if (!owner) return 'V8 built-ins / unattributed';
  if (owner.kind === 'package') return CONCERN_OF.get(owner.name) ?? `other: ${owner.name}`;
  if (owner.kind === 'app') return 'app code (dist/)';
  if (owner.kind === 'node') return 'node core (http, net, streams) not called from a package';
  return `other: ${owner.name}`;
}

/**
 * @param {object} profile a parsed .cpuprofile
 * @param {{fromUs?: number, toUs?: number, skipMs?: number}} [window]
 */
export function summariseProfile(profile, window = {}) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  // Sample i lasts until sample i+1 (timeDeltas[i] is the gap *before* sample i).
  const { samples, timeDeltas } = profile;
  const stamps = new Array(samples.length);
  let t = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    t += timeDeltas[i];
    stamps[i] = t;
  }
  const fallbackDt = samples.length > 1 ? (stamps[samples.length - 1] - stamps[0]) / (samples.length - 1) : 0;
  let from = window.fromUs ?? -Infinity;
  const to = window.toUs ?? Infinity;
  if (window.skipMs !== undefined) from = Math.max(from, profile.startTime + window.skipMs * 1000);

  const selfByNode = new Map();
  let total = 0;
  let idle = 0;
  let kept = 0;
  for (let i = 0; i < samples.length; i++) {
    if (stamps[i] < from || stamps[i] > to) continue;
    const dt = i + 1 < samples.length ? stamps[i + 1] - stamps[i] : fallbackDt;
    selfByNode.set(samples[i], (selfByNode.get(samples[i]) ?? 0) + dt);
    total += dt;
    kept++;
    if (nodes.get(samples[i])?.callFrame.functionName === '(idle)') idle += dt;
  }
  const busy = total - idle;

  // The nearest frame (self first, then callers) that belongs to a package or the app.
  const attributedOwner = new Map();
  const ownerFor = (id) => {
    if (attributedOwner.has(id)) return attributedOwner.get(id);
    let cur = id;
    let found = null;
    while (cur !== undefined) {
      const o = ownerOf(nodes.get(cur).callFrame);
      if (o && (o.kind === 'package' || o.kind === 'app')) {
        found = o;
        break;
      }
      cur = parent.get(cur);
    }
    if (!found) found = ownerOf(nodes.get(id).callFrame); // node core / null
    attributedOwner.set(id, found);
    return found;
  };

  // The nearest concern root (or app frame) on the stack; else the nearest package frame.
  const rootOwner = new Map();
  const rootFor = (id) => {
    if (rootOwner.has(id)) return rootOwner.get(id);
    let cur = id;
    let found = null;
    while (cur !== undefined) {
      const o = ownerOf(nodes.get(cur).callFrame);
      if (o && (o.kind === 'app' || (o.kind === 'package' && CONCERN_ROOTS.has(o.name)))) {
        found = o;
        break;
      }
      cur = parent.get(cur);
    }
    if (!found) found = ownerFor(id);
    rootOwner.set(id, found);
    return found;
  };

  const byFunction = new Map();
  const byPackage = new Map();
  const byConcernAttributed = new Map();
  const byPackageAttributed = new Map();
  const add = (map, key, dt) => map.set(key, (map.get(key) ?? 0) + dt);
  for (const [id, dt] of selfByNode) {
    const { callFrame } = nodes.get(id);
    const name = callFrame.functionName || '(anonymous)';
    if (name === '(idle)') continue;
    const line = callFrame.lineNumber >= 0 ? `:${callFrame.lineNumber + 1}` : '';
    add(byFunction, `${name}  ${shortUrl(callFrame.url)}${callFrame.url ? line : ''}`, dt);
    if (SPECIAL.has(name)) {
      add(byPackage, name, dt);
      add(byPackageAttributed, name, dt);
      add(byConcernAttributed, name, dt);
      continue;
    }
    const own = ownerOf(callFrame);
    add(byPackage, own ? own.name : 'V8 built-ins / eval (no URL)', dt);
    const attr = ownerFor(id);
    add(byPackageAttributed, attr ? attr.name : 'V8 built-ins / eval (no URL)', dt);
    add(byConcernAttributed, concernOf(rootFor(id)), dt);
  }

  const rank = (map) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([key, us]) => ({ key, ms: us / 1000, pctBusy: busy > 0 ? (100 * us) / busy : 0 }));
  return {
    samples: kept,
    windowMs: total / 1000,
    busyMs: busy / 1000,
    idleMs: idle / 1000,
    byFunction: rank(byFunction),
    byPackage: rank(byPackage),
    byPackageAttributed: rank(byPackageAttributed),
    byConcernAttributed: rank(byConcernAttributed),
  };
}

export function formatSummary(summary, { top = 25, title = '' } = {}) {
  const lines = [];
  const table = (heading, rows, n) => {
    lines.push('', heading);
    for (const r of rows.slice(0, n)) {
      lines.push(`  ${r.pctBusy.toFixed(1).padStart(5)}%  ${r.ms.toFixed(0).padStart(7)} ms  ${r.key}`);
    }
  };
  lines.push(
    `${title ? `${title}: ` : ''}${summary.samples} samples, window ${summary.windowMs.toFixed(0)} ms, ` +
      `busy ${summary.busyMs.toFixed(0)} ms, idle ${summary.idleMs.toFixed(0)} ms (percentages are of busy time)`,
  );
  table(`Top ${top} self-time functions (function  file:line)`, summary.byFunction, top);
  table('Self time by package (the frame’s own file; no URL = V8 built-in or eval’d code)', summary.byPackage, 30);
  if (summary.byPackageAttributed.length > 0) {
    table('Self time attributed to the nearest package/app frame on the stack', summary.byPackageAttributed, 30);
  }
  if (summary.byConcernAttributed.length > 0) {
    table(
      'Self time by concern (helper packages, Node core and built-ins charged to the calling concern)',
      summary.byConcernAttributed,
      20,
    );
  }
  return lines.join('\n');
}

function main(argv) {
  const files = argv.filter((a) => !a.startsWith('--'));
  const opt = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  if (files.length === 0) {
    console.error(
      'usage: node bench/profile-summary.mjs <file.cpuprofile>... [--top=25] [--from-us=N --to-us=N] [--skip-ms=N] [--json]',
    );
    process.exit(2);
  }
  const top = Number(opt('top') ?? 25);
  const window = {
    fromUs: opt('from-us') !== undefined ? Number(opt('from-us')) : undefined,
    toUs: opt('to-us') !== undefined ? Number(opt('to-us')) : undefined,
    skipMs: opt('skip-ms') !== undefined ? Number(opt('skip-ms')) : undefined,
  };
  for (const file of files) {
    const summary = summariseProfile(JSON.parse(readFileSync(file, 'utf8')), window);
    if (argv.includes('--json')) console.log(JSON.stringify({ file, ...summary }, null, 2));
    else console.log(formatSummary(summary, { top, title: path.basename(file) }), '\n');
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2));
}
