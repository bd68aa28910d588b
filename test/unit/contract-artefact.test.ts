import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ContractError, DEFAULT_CONTRACT_PATH, loadContract } from '../../src/http/contract/contract';
import { loadShippedContract, writeContractArtefact } from '../../src/http/contract/contract-artefact';

const VALID =
  "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /x:\n    get:\n      operationId: getX\n      responses: {'200': {description: ok}}\n";
// Loadable as YAML, invalid only against the OpenAPI meta-schema (info.version is missing).
const INVALID =
  "openapi: 3.0.3\ninfo: {title: x}\npaths:\n  /x:\n    get:\n      operationId: x\n      responses: {'200': {description: ok}}\n";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'contract-artefact-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const files = () => ({ yamlFile: path.join(dir, 'openapi.yaml'), artefactFile: path.join(dir, 'contract.json') });
const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );
const quietly = async <T>(run: () => Promise<T>): Promise<T> => {
  // The validator library prints the meta-schema errors on the console before it throws.
  const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    return await run();
  } finally {
    quiet.mockRestore();
  }
};

describe('the contract artefact: openapi.yaml checked at build time, loaded pre-parsed at start', () => {
  it('when openapi.yaml breaks the OpenAPI schema, then the build fails naming the file and writes no artefact', async () => {
    const { yamlFile, artefactFile } = files();
    await writeFile(yamlFile, INVALID);
    const failure = quietly(() => writeContractArtefact(yamlFile, artefactFile));
    await expect(failure).rejects.toBeInstanceOf(ContractError);
    await expect(failure).rejects.toThrow(`${yamlFile} is not a valid OpenAPI document`);
    expect(await exists(artefactFile)).toBe(false);
  });

  it('when an operation has no operationId, then the build fails naming it', async () => {
    const { yamlFile, artefactFile } = files();
    await writeFile(yamlFile, VALID.replace('      operationId: getX\n', ''));
    await expect(writeContractArtefact(yamlFile, artefactFile)).rejects.toEqual(
      new ContractError('GET /x has no operationId'),
    );
  });

  it('the shipped contract loads from its artefact as the same document, YAML text, JSON text and operations', async () => {
    const { artefactFile } = files();
    await writeContractArtefact(DEFAULT_CONTRACT_PATH, artefactFile);
    const fromYaml = await loadContract();
    const warn = jest.fn();
    const shipped = await loadShippedContract({ yamlFile: DEFAULT_CONTRACT_PATH, artefactFile, warn });
    expect(shipped.yamlText).toBe(fromYaml.yamlText);
    expect(shipped.yamlText).toBe(await readFile(DEFAULT_CONTRACT_PATH, 'utf8'));
    expect(shipped.jsonText).toBe(fromYaml.jsonText);
    expect(shipped.document).toEqual(fromYaml.document);
    expect(shipped.operations).toEqual(fromYaml.operations);
    expect(warn).not.toHaveBeenCalled();
  });

  it('when the artefact matches openapi.yaml, then start-up takes the document from it and does not parse the YAML again', async () => {
    const { yamlFile, artefactFile } = files();
    await writeFile(yamlFile, VALID);
    await writeContractArtefact(yamlFile, artefactFile);
    const artefact = JSON.parse(await readFile(artefactFile, 'utf8'));
    expect(artefact.sha256).toBe(createHash('sha256').update(VALID).digest('hex'));
    // The same hash with another document: only a start-up that reads the artefact returns it.
    const marked = JSON.stringify({ ...JSON.parse(artefact.jsonText), 'x-from': 'artefact' });
    await writeFile(artefactFile, JSON.stringify({ ...artefact, jsonText: marked }));
    const contract = await loadShippedContract({ yamlFile, artefactFile });
    expect(contract.jsonText).toBe(marked);
    expect(contract.document).toMatchObject({ 'x-from': 'artefact' });
  });

  it('when openapi.yaml changed after the build, then the stale artefact is passed over: openapi.yaml is checked in full, with a warning', async () => {
    const { yamlFile, artefactFile } = files();
    await writeFile(yamlFile, VALID);
    await writeContractArtefact(yamlFile, artefactFile);
    const changed = VALID.replace("version: '1'", "version: '2'");
    await writeFile(yamlFile, changed);
    const warn = jest.fn();
    const contract = await loadShippedContract({ yamlFile, artefactFile, warn });
    expect(contract.yamlText).toBe(changed);
    expect(contract.document.info.version).toBe('2');
    expect(warn).toHaveBeenCalledWith(expect.stringContaining(`${yamlFile} changed after the build`));
  });

  it('when openapi.yaml changed after the build into an invalid document, then start-up fails as without an artefact', async () => {
    const { yamlFile, artefactFile } = files();
    await writeFile(yamlFile, VALID);
    await writeContractArtefact(yamlFile, artefactFile);
    await writeFile(yamlFile, INVALID);
    await expect(quietly(() => loadShippedContract({ yamlFile, artefactFile }))).rejects.toThrow(
      `${yamlFile} is not a valid OpenAPI document`,
    );
  });

  it('when there is no artefact (running from src/), then openapi.yaml is checked in full, without a warning', async () => {
    const { yamlFile, artefactFile } = files();
    await writeFile(yamlFile, INVALID);
    const warn = jest.fn();
    await expect(quietly(() => loadShippedContract({ yamlFile, artefactFile, warn }))).rejects.toBeInstanceOf(
      ContractError,
    );
    await writeFile(yamlFile, VALID);
    expect((await loadShippedContract({ yamlFile, artefactFile, warn })).yamlText).toBe(VALID);
    expect(warn).not.toHaveBeenCalled();
  });

  it('when only the artefact is deployed (no openapi.yaml beside it), then the artefact is served', async () => {
    const { yamlFile, artefactFile } = files();
    await writeFile(yamlFile, VALID);
    await writeContractArtefact(yamlFile, artefactFile);
    await rm(yamlFile);
    const contract = await loadShippedContract({ yamlFile, artefactFile });
    expect(contract.yamlText).toBe(VALID);
    expect(contract.operations).toEqual([{ operationId: 'getX', method: 'get', path: '/x', statuses: ['200'] }]);
  });

  it('when the artefact is not one the build wrote, then openapi.yaml is checked in full with a warning, or start-up fails without it', async () => {
    const { yamlFile, artefactFile } = files();
    await writeFile(yamlFile, VALID);
    await writeFile(artefactFile, '{"format": 0}');
    const warn = jest.fn();
    expect((await loadShippedContract({ yamlFile, artefactFile, warn })).yamlText).toBe(VALID);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining(`${artefactFile} is not a contract built by`));
    await rm(yamlFile);
    await writeFile(artefactFile, 'not json');
    await expect(loadShippedContract({ yamlFile, artefactFile })).rejects.toBeInstanceOf(ContractError);
  });
});
