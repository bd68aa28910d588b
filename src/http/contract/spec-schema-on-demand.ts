// express-openapi-validator 5.6 compiles the whole OpenAPI meta-schema with ajv each time it
// loads a spec (OpenAPIFramework.initialize builds an OpenAPISchemaValidator), even with
// `validateApiSpec: false`, when it never calls it: ~180 ms of every start, and again for
// every other set of validator options. The contract is checked once, by `npm run build` or by
// loadContract(); here the meta-schema is compiled only when a check asks for it. Same checks,
// same errors: the version is still asserted at construction (factorySchema throws there for a
// document that is neither 3.0 nor 3.1), and validate() compiles on first use. Upstream:
// cdimascio/express-openapi-validator#541 and PR #544 made `validateApiSpec: false` skip the
// check itself; 5.6.2 still builds (and so compiles) the validator it no longer calls.
import path from 'node:path';

interface SchemaValidator {
  validate(document: object): { errors: unknown[] };
}
type SchemaValidatorClass = new (options: { version: string; validateApiSpec: boolean }) => SchemaValidator;

const ON_DEMAND = Symbol.for('jwt-auth-service.specSchemaOnDemand');

/** Idempotent; returns the module object it patched (for tests). */
export function compileSpecSchemaOnDemand(): { OpenAPISchemaValidator: SchemaValidatorClass } {
  const framework = path.join(path.dirname(require.resolve('express-openapi-validator')), 'framework');
  /* eslint-disable @typescript-eslint/no-require-imports -- the validator's own module instances, patched in place */
  const validators = require(path.join(framework, 'openapi.schema.validator.js')) as {
    OpenAPISchemaValidator: SchemaValidatorClass & { [ON_DEMAND]?: true };
  };
  const { factorySchema } = require(path.join(framework, 'openapi', 'factory.schema.js')) as {
    factorySchema: (version: string) => object;
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  if (validators.OpenAPISchemaValidator[ON_DEMAND]) return validators;

  const Compiled = validators.OpenAPISchemaValidator;
  class OnDemand implements SchemaValidator {
    static readonly [ON_DEMAND] = true;
    private compiled: SchemaValidator | undefined;
    constructor(private readonly options: { version: string; validateApiSpec: boolean }) {
      factorySchema(options.version);
    }
    validate(document: object): { errors: unknown[] } {
      this.compiled ??= new Compiled(this.options);
      return this.compiled.validate(document);
    }
  }
  validators.OpenAPISchemaValidator = OnDemand;
  return validators;
}
