import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ContractError, loadContract } from '../../src/http/contract/contract';
import { checkHandlers } from '../../src/http/contract/operation-routing';
import { createHandlers } from '../../src/http/handlers';
import { buildTestApp, sharedContract } from '../helpers/test-app';

describe('start-up checks', () => {
  it('the shipped contract is a valid OpenAPI document whose every operation has an operationId', async () => {
    const contract = await sharedContract();
    expect(contract.operations.map((o) => o.operationId).sort()).toEqual(
      [
        'changePassword',
        'deleteCurrentUser',
        'endSession',
        'getAuthorizationServerMetadata',
        'getCurrentUser',
        'getHealth',
        'getJwks',
        'getProtected',
        'getReadiness',
        'issueToken',
        'listSessions',
        'logout',
        'logoutAll',
        'revokeToken',
        'signup',
      ].sort(),
    );
  });

  it('when an operation has no handler, then start-up fails naming it', async () => {
    const contract = await sharedContract();
    const { deps } = await buildTestApp();
    const handlers = createHandlers({ ...deps, isReady: async () => true });
    const { getHealth: _dropped, ...withoutHealth } = handlers;
    expect(() => checkHandlers(contract, withoutHealth)).toThrow(/no handler for getHealth/);
    expect(() => checkHandlers(contract, { ...handlers, orphan: handlers.getHealth })).toThrow(
      /no operation for orphan/,
    );
    expect(() => checkHandlers(contract, handlers)).not.toThrow();
  });

  const contractFile = async (yaml: string): Promise<string> => {
    const dir = await mkdtemp(path.join(tmpdir(), 'contract-'));
    const file = path.join(dir, 'openapi.yaml');
    await writeFile(file, yaml);
    return file;
  };

  it('when openapi.yaml breaks the OpenAPI schema, then loading fails before any request, naming the file', async () => {
    // Loadable as a document, invalid only against the meta-schema (info.version is missing).
    const file = await contractFile(
      "openapi: 3.0.3\ninfo: {title: x}\npaths:\n  /x:\n    get:\n      operationId: x\n      responses: {'200': {description: ok}}\n",
    );
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const failure = loadContract(file);
    await expect(failure).rejects.toBeInstanceOf(ContractError);
    await expect(failure).rejects.toMatchObject({
      name: 'ContractError',
      message: expect.stringMatching(
        new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a valid OpenAPI document: .+`),
      ),
    });
    quiet.mockRestore();
  });

  it('when an operation has no operationId, then loading fails naming the method and path', async () => {
    const file = await contractFile(
      "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /x:\n    post:\n      responses: {'200': {description: ok}}\n",
    );
    await expect(loadContract(file)).rejects.toEqual(new ContractError('POST /x has no operationId'));
  });

  it('lists every operation with its method, path and declared statuses, and keeps the text it was given', async () => {
    const yaml =
      "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /x:\n    get:\n      operationId: getX\n      responses: {'200': {description: ok}, '404': {description: no}}\n    delete:\n      operationId: dropX\n      responses: {'204': {description: gone}}\n";
    const contract = await loadContract(await contractFile(yaml));
    expect(contract.operations).toEqual([
      { operationId: 'getX', method: 'get', path: '/x', statuses: ['200', '404'] },
      { operationId: 'dropX', method: 'delete', path: '/x', statuses: ['204'] },
    ]);
    expect(contract.yamlText).toBe(yaml);
    expect(JSON.parse(contract.jsonText)).toEqual(contract.document);
  });
});
