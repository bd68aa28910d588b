import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OpenApiSpecLoader } from 'express-openapi-validator/dist/framework/openapi.spec.loader';
import type { OpenAPIV3 } from 'express-openapi-validator/dist/framework/types';
import { ContractError, loadContract } from '../../src/http/contract/contract';
import { compileSpecSchemaOnDemand } from '../../src/http/contract/spec-schema-on-demand';

type Validators = { OpenAPISchemaValidator: new (options: object) => { validate(doc: object): { errors: unknown[] } } };

// The library's module instance, with its meta-schema validator counted before it is patched.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const validators = require('express-openapi-validator/dist/framework/openapi.schema.validator') as Validators;
const Library = validators.OpenAPISchemaValidator;
let compiled = 0;
validators.OpenAPISchemaValidator = class extends Library {
  constructor(options: object) {
    super(options);
    compiled += 1;
  }
};
const patched = compileSpecSchemaOnDemand();

const document = (version: string): OpenAPIV3.DocumentV3 =>
  ({
    openapi: version,
    info: { title: 'x', version: '1' },
    paths: { '/x': { get: { operationId: 'x', responses: { '200': { description: 'ok' } } } } },
  }) as OpenAPIV3.DocumentV3;

beforeEach(() => {
  compiled = 0;
});

describe('the OpenAPI meta-schema is compiled only when a check asks for it', () => {
  it('when the validator loads a spec without checking it, then it compiles no meta-schema', async () => {
    await new OpenApiSpecLoader({ apiDoc: document('3.0.3'), validateApiSpec: false }).load();
    expect(compiled).toBe(0);
  });

  it('when a spec is checked, then the meta-schema is compiled and finds what it found before', async () => {
    await new OpenApiSpecLoader({ apiDoc: document('3.0.3'), validateApiSpec: true }).load();
    expect(compiled).toBe(1);
    const dir = await mkdtemp(path.join(tmpdir(), 'spec-schema-'));
    const file = path.join(dir, 'openapi.yaml');
    await writeFile(file, 'openapi: 3.0.3\ninfo: {title: x}\npaths: {}\n');
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    await expect(loadContract(file)).rejects.toBeInstanceOf(ContractError);
    quiet.mockRestore();
    expect(compiled).toBe(2);
  });

  it('when the document is neither OpenAPI 3.0 nor 3.1, then loading fails as before, at once', async () => {
    await expect(new OpenApiSpecLoader({ apiDoc: document('2.0.0'), validateApiSpec: false }).load()).rejects.toThrow(
      'OpenAPI v3.0 or v3.1 specification version is required',
    );
  });

  it('patches once, however often it is called', () => {
    const before = validators.OpenAPISchemaValidator;
    expect(compileSpecSchemaOnDemand()).toBe(patched);
    expect(validators.OpenAPISchemaValidator).toBe(before);
  });
});
