// README.md, true line by line: every command of a block marked `<!-- readme-test: run -->`
// runs in bash against the built service (node dist/main.js on a free port, which takes the
// place of the README's localhost:8000) and must print exactly the `# ` lines shown under it,
// `…` and timestamps aside; a command with nothing shown under it must print nothing. Blocks
// that need Docker, PostgreSQL or npm itself are marked `<!-- readme-test: skip, why -->`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mismatches, runSteps, shellBlocks, steps, type ShellBlock, type Step } from '../helpers/readme-examples';
import { buildDist, ROOT, startService, type ServiceProcess } from '../helpers/service-process';
import { freePort } from '../helpers/smoke-env';

const README_ADDRESS = 'localhost:8000';
const blocks = shellBlocks(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));

/** The blocks that run, by the service variables they need, in README order. */
const groups = new Map<string, { env: Readonly<Record<string, string>>; blocks: ShellBlock[] }>();
for (const block of blocks) {
  if (block.marker?.kind !== 'run') continue;
  const group = groups.get(block.marker.envText) ?? { env: block.marker.env, blocks: [] };
  group.blocks.push(block);
  groups.set(block.marker.envText, group);
}

/** A shell with nothing from the developer's: no rc files, an empty HOME (no ~/.curlrc). */
function cleanShellEnv(home: string): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: home, LANG: 'C.UTF-8' };
}

describe('README.md shell examples', () => {
  it('every shell block is marked to run, or to be skipped with a reason', () => {
    const unmarked = blocks
      .filter((b) => b.marker === undefined || (b.marker.kind === 'skip' && b.marker.reason.length < 5))
      .map((b) => `README.md:${b.line}: put <!-- readme-test: run --> or <!-- readme-test: skip, <why> --> above it`);
    expect(unmarked).toEqual([]);
  });

  it('the blocks that run show output to check, and a block with service variables follows the one that starts it', () => {
    expect(groups.size).toBeGreaterThan(0);
    for (const group of groups.values()) {
      expect(group.blocks.flatMap(steps).filter((s) => s.shown.length > 0).length).toBeGreaterThan(0);
    }
    const unstarted = blocks.flatMap((b, i) => {
      const marker = b.marker;
      if (marker?.kind !== 'run' || marker.envText === '') return [];
      const starts = (blocks[i - 1]?.lines ?? []).some((l) => l.startsWith(`${marker.envText} npm start`));
      return starts ? [] : [`README.md:${b.line}: the block above it should start the service with ${marker.envText}`];
    });
    expect(unstarted).toEqual([]);
  });

  describe.each([...groups.entries()].map(([envText, group]) => [envText || 'no variables', group] as const))(
    'blocks run against node dist/main.js with %s',
    (_label, group) => {
      let service: ServiceProcess;
      let address: string;
      let home: string;
      const here = (text: string) => text.split(README_ADDRESS).join(address);

      beforeAll(async () => {
        try {
          execFileSync('curl', ['--version'], { stdio: 'ignore' });
        } catch {
          throw new Error("the README's examples use curl: install it (Debian: apt-get install curl)");
        }
        buildDist();
        home = mkdtempSync(path.join(os.tmpdir(), 'readme-examples-'));
        const port = await freePort();
        address = `127.0.0.1:${port}`;
        const env = Object.fromEntries(Object.entries(group.env).map(([k, v]) => [k, here(v)]));
        service = startService({
          PORT: String(port),
          METRICS_ENABLED: 'false',
          JWT_KEYS_DIR: path.join(home, 'keys'),
          ...env,
        });
        await service.port();
      }, 90_000);

      afterAll(async () => {
        await service?.stop();
        if (home) rmSync(home, { recursive: true, force: true });
      });

      it('every command prints what the README shows under it', async () => {
        const all: Step[] = group.blocks
          .flatMap(steps)
          .map((s) => ({ ...s, command: here(s.command), shown: s.shown.map(here) }));
        const printed = await runSteps(all, cleanShellEnv(home));
        expect(mismatches(all, printed)).toEqual([]);
      }, 45_000);
    },
  );
});

describe('comparing a command with the output shown under it', () => {
  const block: ShellBlock = {
    line: 10,
    marker: { kind: 'run', envText: '', env: {} },
    lines: [
      '# a comment, not output',
      `printf '{"token":"eyJhbGciOi.x.y","at":"2026-12-01T04:31:42.382Z"}\\n'`,
      '# {"token":"eyJ…","at":"2026-11-29T13:32:23.638Z"}',
      "printf 'licat'",
      '# licaT',
      'X=$(printf quiet)',
      '# quiet',
      'echo "$X" \\',
      '  loud',
      '',
      '# after a blank line, a comment again',
      'echo gone >&2',
      '# gone',
    ],
  };

  it('reads each command with the lines under it, and tells comments from output', () => {
    expect(steps(block).map((s) => [s.line, s.shown])).toEqual([
      [12, ['{"token":"eyJ…","at":"2026-11-29T13:32:23.638Z"}']],
      [14, ['licaT']],
      [16, ['quiet']],
      [18, []],
      [22, ['gone']],
    ]);
  });

  it('reports a changed value, output shown for a silent command, and output not shown', async () => {
    const all = steps(block);
    const found = mismatches(all, await runSteps(all, cleanShellEnv(os.tmpdir())));
    expect(found.map((m) => [m.line, m.printed])).toEqual([
      [14, ['licat']],
      [16, []],
      [18, ['quiet loud']],
    ]);
  });
});
