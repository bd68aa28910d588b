// The media types each operation accepts, read from the contract, for a 415 that names them.
import type { OpenAPIV3 } from 'express-openapi-validator/dist/framework/types';
import { listOperations, type Contract } from '../../src/http/contract/contract';
import { requestMediaTypes } from '../../src/http/contract/validator';
import { sharedContract } from '../helpers/test-app';

const contractOf = (document: OpenAPIV3.DocumentV3): Contract => ({
  document,
  yamlText: '',
  jsonText: '',
  operations: listOperations(document),
});

describe('requestMediaTypes', () => {
  it("lists each body-taking operation of openapi.yaml with its media types, in the contract's order", async () => {
    const types = requestMediaTypes(await sharedContract());
    expect(types.get('signup')).toEqual(['application/json']);
    expect(types.get('changePassword')).toEqual(['application/json']);
    expect(types.get('issueToken')).toEqual(['application/x-www-form-urlencoded', 'multipart/form-data']);
    expect(types.get('revokeToken')).toEqual(['application/x-www-form-urlencoded']);
    expect(types.has('getProtected')).toBe(false);
  });

  it('follows a request body given by $ref to components/requestBodies', () => {
    const document = {
      openapi: '3.0.3',
      info: { title: 'x', version: '1' },
      paths: {
        '/a': {
          post: {
            operationId: 'byRef',
            requestBody: { $ref: '#/components/requestBodies/Form' },
            responses: { '200': { description: 'ok' } },
          },
        },
      },
      components: {
        requestBodies: { Form: { content: { 'application/x-www-form-urlencoded': { schema: { type: 'object' } } } } },
      },
    } as unknown as OpenAPIV3.DocumentV3;
    expect(requestMediaTypes(contractOf(document))).toEqual(
      new Map([['byRef', ['application/x-www-form-urlencoded']]]),
    );
  });
});
