// Checks each response against openapi.yaml and records which (operation, status) pairs the
// contract tests exercised. Each contract test file writes what it saw to a per-run folder
// when it ends; test/contract/coverage-gate.test.ts (run last) fails when a declared pair
// was seen by no file.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { Response } from 'supertest';
import type { Contract } from '../../src/http/contract/contract';
import { ROOT } from './service-process';
import { sharedContract } from './test-app';

interface ResponseObject {
  content?: Record<string, { schema?: unknown }>;
  headers?: Record<string, unknown>;
  $ref?: string;
}

/** Where this run's records go; test/global-setup.ts names a fresh folder for every jest run. */
export function coverageRunDir(): string {
  const run = process.env.CONTRACT_COVERAGE_RUN;
  if (!run) throw new Error('CONTRACT_COVERAGE_RUN is unset: run the contract tests through jest.config.js');
  return path.join(ROOT, 'artifacts', 'contract-coverage', run);
}

export class ContractCoverage {
  private readonly ajv: Ajv;
  readonly seen = new Set<string>();

  constructor(private readonly contract: Contract) {
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addKeyword({ keyword: 'example' });
    this.ajv.addSchema({ $id: 'openapi', components: contract.document.components });
  }

  private responseFor(operationId: string, status: number): ResponseObject | undefined {
    const op = this.contract.operations.find((o) => o.operationId === operationId);
    if (!op) throw new Error(`unknown operationId ${operationId}`);
    const pathItem = this.contract.document.paths[op.path] as Record<
      string,
      { responses: Record<string, ResponseObject> }
    >;
    let response = pathItem[op.method]?.responses[String(status)];
    if (response?.$ref) {
      const name = response.$ref.split('/').pop() ?? '';
      response = (this.contract.document.components?.responses as Record<string, ResponseObject>)[name];
    }
    return response;
  }

  /** Asserts the status is declared for the operation and the body matches its schema. */
  check(res: Response, operationId: string): Response {
    const response = this.responseFor(operationId, res.status);
    if (!response) {
      throw new Error(
        `${operationId} answered ${res.status}, which openapi.yaml does not declare: ${JSON.stringify(res.body)}`,
      );
    }
    const schema = response.content?.['application/json']?.schema;
    if (schema) {
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const rewritten = JSON.parse(
        JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/'),
      ) as object;
      const validate = this.ajv.compile(rewritten);
      if (!validate(res.body)) {
        throw new Error(
          `${operationId} ${res.status} body does not match openapi.yaml: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(res.body)}`,
        );
      }
    }
    this.seen.add(`${operationId} ${res.status}`);
    return res;
  }

  /** Declared pairs not in `seen`. */
  missing(seen: ReadonlySet<string> = this.seen): string[] {
    return this.contract.operations
      .flatMap((o) => o.statuses.map((s) => `${o.operationId} ${s}`))
      .filter((pair) => !seen.has(pair));
  }
}

/**
 * For a contract test file: a coverage checker, loaded before the file's tests, whose pairs
 * are written to this run's folder after them. `name` identifies the file in the gate's report.
 */
export function useContractCoverage(name: string): { check(res: Response, operationId: string): Response } {
  let coverage: ContractCoverage | undefined;
  beforeAll(async () => {
    coverage = new ContractCoverage(await sharedContract());
  });
  afterAll(() => {
    if (!coverage) return;
    const dir = coverageRunDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `${name}.json`), JSON.stringify([...coverage.seen].sort()));
  });
  return {
    check(res, operationId) {
      if (!coverage) throw new Error('contract coverage used outside a test');
      return coverage.check(res, operationId);
    },
  };
}

/** The pairs every file of this run has recorded so far, by file. */
export function readRecords(): Map<string, string[]> {
  const dir = coverageRunDir();
  const records = new Map<string, string[]>();
  let files: string[] = [];
  try {
    files = readdirSync(dir);
  } catch {
    return records;
  }
  for (const file of files.filter((f) => f.endsWith('.json'))) {
    records.set(file.slice(0, -'.json'.length), JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as string[]);
  }
  return records;
}
