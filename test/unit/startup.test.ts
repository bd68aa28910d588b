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
      ['getCurrentUser', 'getHealth', 'getProtected', 'getReadiness', 'issueToken', 'revokeToken', 'signup'].sort(),
    );
  });

  it('when an operation has no handler, then start-up fails naming it', async () => {
    const contract = await sharedContract();
    const { deps } = await buildTestApp();
    const handlers = createHandlers({ accounts: deps.accounts, isReady: async () => true });
    const { getHealth: _dropped, ...withoutHealth } = handlers;
    expect(() => checkHandlers(contract, withoutHealth)).toThrow(/no handler for getHealth/);
    expect(() => checkHandlers(contract, { ...handlers, orphan: handlers.getHealth })).toThrow(
      /no operation for orphan/,
    );
    expect(() => checkHandlers(contract, handlers)).not.toThrow();
  });

  it('when openapi.yaml breaks the OpenAPI schema, then loading fails before any request', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'contract-'));
    const file = path.join(dir, 'openapi.yaml');
    await writeFile(file, 'openapi: 3.0.3\ninfo: {title: x}\npaths:\n  /x:\n    get:\n      responses: {}\n');
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    await expect(loadContract(file)).rejects.toBeInstanceOf(ContractError);
    quiet.mockRestore();
  });
});
