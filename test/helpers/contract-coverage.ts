// Checks each response against openapi.yaml and records which (operation, status) pairs the
// tests exercised, so a test can fail when a declared pair has none.
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { Response } from 'supertest';
import type { Contract } from '../../src/http/contract';

interface ResponseObject {
  content?: Record<string, { schema?: unknown }>;
  headers?: Record<string, unknown>;
  $ref?: string;
}

export class ContractCoverage {
  private readonly ajv: Ajv;
  private readonly seen = new Set<string>();

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

  missing(): string[] {
    return this.contract.operations
      .flatMap((o) => o.statuses.map((s) => `${o.operationId} ${s}`))
      .filter((pair) => !this.seen.has(pair));
  }
}
