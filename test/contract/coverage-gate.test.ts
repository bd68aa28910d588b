// The (operation, status) coverage gate: every status openapi.yaml declares for an operation
// must have been answered, and checked against the contract, by some contract test file.
// test/sequencer.js runs this file last; each file's records arrive when that file ends.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ContractCoverage, readRecords } from '../helpers/contract-coverage';
import { sharedContract } from '../helpers/test-app';

/** The files that record coverage, and the names they record under: `useContractCoverage('name')`. */
function recordingFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const file of readdirSync(__dirname).filter((f) => f.endsWith('.test.ts') && f !== path.basename(__filename))) {
    const name = /useContractCoverage\('([\w-]+)'\)/.exec(readFileSync(path.join(__dirname, file), 'utf8'))?.[1];
    if (name) files.set(name, file);
  }
  return files;
}

/** Waits (when files run in parallel workers) until every recording file has written its record. */
async function allRecords(expected: ReadonlyMap<string, string>, timeoutMs = 120_000): Promise<Map<string, string[]>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const records = readRecords();
    const absent = [...expected.keys()].filter((name) => !records.has(name));
    if (absent.length === 0) return records;
    if (Date.now() > deadline) {
      throw new Error(
        `no coverage record from ${absent.map((n) => expected.get(n)).join(', ')}: ` +
          'the gate needs the whole contract project in one run (npm test or npm run test:fast)',
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('the contract itself', () => {
  it('every (operation, status) pair declared in openapi.yaml was exercised by a contract test', async () => {
    const expected = recordingFiles();
    expect(expected.size).toBeGreaterThanOrEqual(8);
    const records = await allRecords(expected);
    const seen = new Set([...records.values()].flat());
    expect(new ContractCoverage(await sharedContract()).missing(seen)).toEqual([]);
  }, 150_000);
});
