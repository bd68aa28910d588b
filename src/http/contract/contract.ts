// Loads the contract once at start-up and lists its operations so the composition root can
// insist on a handler for each. From openapi.yaml, the document is parsed and checked against
// the OpenAPI meta-schema (the same check express-openapi-validator would otherwise run lazily
// on the first request); `npm run build` runs that once and writes the result next to the
// compiled code (contract-artefact.ts), which the built service loads instead.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { OpenApiSpecLoader } from 'express-openapi-validator/dist/framework/openapi.spec.loader';
import type { OpenAPIV3 } from 'express-openapi-validator/dist/framework/types';
import type * as Yaml from 'yaml';

export const DEFAULT_CONTRACT_PATH = path.resolve(__dirname, '..', '..', '..', 'openapi.yaml');

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface ContractOperation {
  readonly operationId: string;
  readonly method: string;
  readonly path: string;
  readonly statuses: readonly string[];
}

export interface Contract {
  readonly document: OpenAPIV3.DocumentV3;
  readonly yamlText: string;
  readonly jsonText: string;
  readonly operations: readonly ContractOperation[];
}

export class ContractError extends Error {
  override readonly name = 'ContractError';
}

export function listOperations(document: OpenAPIV3.DocumentV3): ContractOperation[] {
  const operations: ContractOperation[] = [];
  for (const [route, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const op = (item as Record<string, OpenAPIV3.OperationObject | undefined>)[method];
      if (!op) continue;
      if (!op.operationId) throw new ContractError(`${method.toUpperCase()} ${route} has no operationId`);
      // Stryker disable next-line LogicalOperator: the meta-schema check above requires `responses` on every operation.
      operations.push({ operationId: op.operationId, method, path: route, statuses: Object.keys(op.responses ?? {}) });
    }
  }
  return operations;
}

/** The contract from its two texts, once loadContract() or the build has checked them. */
export function contractFrom(yamlText: string, jsonText: string): Contract {
  const document = JSON.parse(jsonText) as OpenAPIV3.DocumentV3;
  return { document, yamlText, jsonText, operations: listOperations(document) };
}

/**
 * Parses `yamlText` and checks it against the OpenAPI meta-schema and for an operationId on
 * every operation; `source` names it in the error.
 */
export async function checkContract(yamlText: string, source: string): Promise<Contract> {
  // Required here, not at the top: the built service loads the pre-parsed contract instead.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parse } = require('yaml') as typeof Yaml;
  const document = parse(yamlText) as OpenAPIV3.DocumentV3;
  try {
    // Stryker disable next-line ObjectLiteral,StringLiteral: 'bundle' is the loader's default mode; the contract has no external $refs to resolve either way.
    await new OpenApiSpecLoader({
      apiDoc: structuredClone(document),
      validateApiSpec: true,
      $refParser: { mode: 'bundle' },
    }).load();
  } catch (err) {
    throw new ContractError(
      `${source} is not a valid OpenAPI document: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return { document, yamlText, jsonText: JSON.stringify(document), operations: listOperations(document) };
}

/** Reads `file` and checks it in full (checkContract). */
export async function loadContract(file: string = DEFAULT_CONTRACT_PATH): Promise<Contract> {
  return checkContract(await readFile(file, 'utf8'), file);
}
