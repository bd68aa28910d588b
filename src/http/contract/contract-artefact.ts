// The contract as `npm run build` leaves it next to the compiled code (dist/contract.json):
// openapi.yaml parsed and checked against the OpenAPI meta-schema once, at build time, so the
// built service starts with a JSON.parse instead of a YAML parse and an ajv compilation of
// the meta-schema. The artefact carries the sha256 of the openapi.yaml it was built from; a
// service whose openapi.yaml no longer matches checks that file in full instead.
import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  checkContract,
  ContractError,
  contractFrom,
  DEFAULT_CONTRACT_PATH,
  loadContract,
  type Contract,
} from './contract';

/** dist/contract.json for the build; under src/ (jest) there is none, and openapi.yaml is read. */
export const DEFAULT_ARTEFACT_PATH = path.resolve(__dirname, '..', '..', 'contract.json');

const FORMAT = 1;

interface Artefact {
  readonly format: typeof FORMAT;
  /** sha256 (hex) of the bytes of the openapi.yaml the artefact was built from. */
  readonly sha256: string;
  /** Served as GET /openapi.yaml. */
  readonly yamlText: string;
  /** Served as GET /openapi.json; the document is parsed from it. */
  readonly jsonText: string;
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

async function readIfPresent(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function parseArtefact(text: string): Artefact | undefined {
  try {
    const a = JSON.parse(text) as Partial<Artefact> | null;
    return a?.format === FORMAT &&
      typeof a.sha256 === 'string' &&
      typeof a.yamlText === 'string' &&
      typeof a.jsonText === 'string'
      ? (a as Artefact)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Build time: checks `yamlFile` in full (a ContractError names what is wrong) and writes the
 * artefact beside the compiled code. Written to a temporary file and renamed, so a service
 * starting meanwhile never reads half of one.
 */
export async function writeContractArtefact(
  yamlFile: string = DEFAULT_CONTRACT_PATH,
  artefactFile: string = DEFAULT_ARTEFACT_PATH,
): Promise<Contract> {
  const bytes = await readFile(yamlFile);
  const contract = await checkContract(bytes.toString('utf8'), yamlFile);
  const artefact: Artefact = {
    format: FORMAT,
    sha256: sha256(bytes),
    yamlText: contract.yamlText,
    jsonText: contract.jsonText,
  };
  const temporary = `${artefactFile}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(artefact));
  await rename(temporary, artefactFile);
  return contract;
}

export interface ShippedContractOptions {
  readonly yamlFile?: string;
  readonly artefactFile?: string;
  /** Told why the artefact was passed over for a full check of openapi.yaml. */
  readonly warn?: (message: string) => void;
}

/**
 * Start time: the contract the build checked, when its artefact is present and was built from
 * the openapi.yaml beside it (or no openapi.yaml is deployed, as in an image of dist/ alone).
 * Without an artefact (running from src/), or with one that does not match openapi.yaml (the
 * file changed after the build) or cannot be read, openapi.yaml is parsed and checked in full,
 * as loadContract() does: a stale artefact is never served.
 */
export async function loadShippedContract({
  yamlFile = DEFAULT_CONTRACT_PATH,
  artefactFile = DEFAULT_ARTEFACT_PATH,
  warn = () => undefined,
}: ShippedContractOptions = {}): Promise<Contract> {
  const [artefactBytes, yamlBytes] = await Promise.all([readIfPresent(artefactFile), readIfPresent(yamlFile)]);
  if (artefactBytes === undefined)
    return yamlBytes === undefined ? loadContract(yamlFile) : checkContract(yamlBytes.toString('utf8'), yamlFile);
  const artefact = parseArtefact(artefactBytes.toString('utf8'));
  if (artefact === undefined) {
    if (yamlBytes === undefined) {
      throw new ContractError(
        `${artefactFile} is not a contract built by \`npm run build\`, and ${yamlFile} is absent`,
      );
    }
    warn(`${artefactFile} is not a contract built by \`npm run build\`: checking ${yamlFile} in full instead`);
    return checkContract(yamlBytes.toString('utf8'), yamlFile);
  }
  if (yamlBytes !== undefined && sha256(yamlBytes) !== artefact.sha256) {
    warn(
      `${yamlFile} changed after the build (${artefactFile} was built from another version): checking it in full ` +
        'instead, which slows start-up; run `npm run build` to check it once, at build time',
    );
    return checkContract(yamlBytes.toString('utf8'), yamlFile);
  }
  return contractFrom(artefact.yamlText, artefact.jsonText);
}
