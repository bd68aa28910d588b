// Request bodies that are one of several variants told apart by a tag property (POST /token:
// the password grant or the refresh-token grant, by `grant_type`). ajv reports a failing
// `oneOf` with the errors of every variant; a client meant one of them, and should read only
// that one's errors: a password-grant client that forgot `password` sees exactly the answer
// the original service gave, not also "refresh_token is required".
import type { OpenAPIV3 } from 'express-openapi-validator/dist/framework/types';
import { pathSegments, validatorKeyword, type ValidatorError } from '../fastapi-detail';

/** The parts of a JSON schema read here. */
interface Schema {
  readonly oneOf?: readonly unknown[];
  readonly required?: readonly string[];
  readonly properties?: Readonly<Record<string, unknown>>;
  readonly enum?: readonly unknown[];
}

interface Variant {
  /** The tag values that select this variant. */
  readonly values: ReadonlySet<string>;
  /** True when the tag may be left out, and leaving it out selects this variant. */
  readonly byDefault: boolean;
  readonly schema: Schema;
}

export interface TaggedOneOf {
  /** The property whose value names the variant (e.g. grant_type). */
  readonly tag: string;
  readonly variants: readonly Variant[];
}

/** A body whose tag names no variant (e.g. an unsupported grant_type). */
export class UnknownVariantError extends Error {
  readonly code = 'ERR_UNKNOWN_VARIANT';
  override readonly name = 'UnknownVariantError';

  constructor(
    readonly tag: string,
    readonly value: string,
  ) {
    super(`${tag} ${JSON.stringify(value)} names no variant of the request body`);
  }
}

const REF_PREFIX = '#/components/schemas/';

function resolve(document: OpenAPIV3.DocumentV3, schema: unknown): Schema | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const ref = (schema as { $ref?: unknown }).$ref;
  if (typeof ref !== 'string') return schema;
  if (!ref.startsWith(REF_PREFIX)) return undefined;
  return resolve(document, document.components?.schemas?.[ref.slice(REF_PREFIX.length)]);
}

/** The tag of a oneOf: the one property every variant declares with an enum. */
function taggedOneOf(document: OpenAPIV3.DocumentV3, schema: Schema): TaggedOneOf | undefined {
  const branches = (schema.oneOf ?? []).map((branch) => resolve(document, branch));
  if (branches.length === 0 || branches.some((b) => b === undefined)) return undefined;
  const variants = branches as Schema[];
  const enumOf = (variant: Schema, property: string) => resolve(document, variant.properties?.[property])?.enum;
  const tag = Object.keys(variants[0]?.properties ?? {}).find((p) => variants.every((v) => enumOf(v, p) !== undefined));
  if (tag === undefined) return undefined;
  return {
    tag,
    variants: variants.map((schema) => ({
      values: new Set((enumOf(schema, tag) ?? []).map(String)),
      byDefault: !(schema.required ?? []).includes(tag),
      schema,
    })),
  };
}

/** Every operation whose request body is a tagged oneOf, by operationId. */
export function taggedOneOfBodies(document: OpenAPIV3.DocumentV3): ReadonlyMap<string, TaggedOneOf> {
  const found = new Map<string, TaggedOneOf>();
  for (const item of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(item ?? {}) as Array<OpenAPIV3.OperationObject | undefined>) {
      const body = resolve(document, operation?.requestBody) as OpenAPIV3.RequestBodyObject | undefined;
      if (operation?.operationId === undefined || body?.content === undefined) continue;
      // Every media type of one operation shares the body schema; the first stands for all.
      const schema = resolve(document, Object.values(body.content)[0]?.schema);
      const tagged = schema === undefined ? undefined : taggedOneOf(document, schema);
      if (tagged) found.set(operation.operationId, tagged);
    }
  }
  return found;
}

/**
 * True when `error` can come from the selected variant: its schema has the failing keyword at
 * the error's place. Errors about the tag itself never can: the tag selected this variant.
 */
function raisedBy(document: OpenAPIV3.DocumentV3, tag: string, schema: Schema, error: ValidatorError): boolean {
  const keyword = validatorKeyword(error);
  const property = pathSegments(error.path ?? '')[1];
  if (keyword === 'oneOf' || property === undefined || property === tag) return false;
  if (keyword === 'required') return (schema.required ?? []).includes(property);
  const propertySchema = resolve(document, schema.properties?.[property]);
  return propertySchema !== undefined && keyword in propertySchema;
}

/**
 * The errors of the variant the body's tag selects; UnknownVariantError when it selects
 * none. When no error can be placed in the variant, all are kept (nothing is hidden).
 */
export function variantErrors(
  document: OpenAPIV3.DocumentV3,
  tagged: TaggedOneOf,
  body: unknown,
  errors: readonly ValidatorError[],
): readonly ValidatorError[] {
  const raw = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[tagged.tag] : undefined;
  // A form field is a string; anything else (a repeated field's array) names no variant.
  const value = raw === undefined ? undefined : typeof raw === 'string' ? raw : JSON.stringify(raw);
  const variant = tagged.variants.find((v) => (value === undefined ? v.byDefault : v.values.has(value)));
  if (!variant) throw new UnknownVariantError(tagged.tag, value ?? '');
  const kept = errors.filter((e) => raisedBy(document, tagged.tag, variant.schema, e));
  return kept.length > 0 ? kept : errors;
}
