// Tagged oneOf request bodies: finding them in a contract, and narrowing a failed oneOf's
// errors to the variant the body names.
import type { OpenAPIV3 } from 'express-openapi-validator/dist/framework/types';
import {
  taggedOneOfBodies,
  UnknownVariantError,
  variantErrors,
  type TaggedOneOf,
} from '../../src/http/contract/one-of-variants';
import type { ValidatorError } from '../../src/http/fastapi-detail';
import { sharedContract } from '../helpers/test-app';

const doc = (schemas: Record<string, unknown>, bodySchema: unknown): OpenAPIV3.DocumentV3 =>
  ({
    openapi: '3.0.3',
    info: { title: 't', version: '1' },
    paths: {
      '/x': {
        post: {
          operationId: 'postX',
          requestBody: { content: { 'application/json': { schema: bodySchema } } },
          responses: { '200': { description: 'ok' } },
        },
        get: { operationId: 'getX', responses: { '200': { description: 'ok' } } },
      },
    },
    components: { schemas },
  }) as unknown as OpenAPIV3.DocumentV3;

const schemas = {
  Cat: {
    type: 'object',
    required: ['name'],
    properties: { kind: { type: 'string', enum: ['cat'] }, name: { type: 'string', minLength: 1 } },
  },
  Dog: {
    type: 'object',
    required: ['kind', 'bark'],
    properties: { kind: { $ref: '#/components/schemas/DogKind' }, bark: { type: 'string', maxLength: 3 } },
  },
  DogKind: { type: 'string', enum: ['dog'] },
};
const petDoc = doc(schemas, { oneOf: [{ $ref: '#/components/schemas/Cat' }, { $ref: '#/components/schemas/Dog' }] });
const pets = (): TaggedOneOf => {
  const tagged = taggedOneOfBodies(petDoc).get('postX');
  if (!tagged) throw new Error('postX is not tagged');
  return tagged;
};

const err = (path: string, keyword: string): ValidatorError => ({
  path,
  message: keyword,
  errorCode: `${keyword}.openapi.validation`,
});
const oneOf = err('/body', 'oneOf');

describe('taggedOneOfBodies', () => {
  it('finds POST /token in the shipped contract: grant_type, password by default, or refresh_token', async () => {
    const { document } = await sharedContract();
    const tagged = taggedOneOfBodies(document);
    expect([...tagged.keys()]).toEqual(['issueToken']);
    expect(tagged.get('issueToken')?.tag).toBe('grant_type');
    expect(tagged.get('issueToken')?.variants.map((v) => [[...v.values], v.byDefault])).toEqual([
      [['password'], true],
      [['refresh_token'], false],
    ]);
  });

  it('takes the tag from the property every variant declares with an enum, through $refs', () => {
    expect(pets().tag).toBe('kind');
    expect(pets().variants.map((v) => [[...v.values], v.byDefault])).toEqual([
      [['cat'], true],
      [['dog'], false],
    ]);
  });

  it.each<[string, OpenAPIV3.DocumentV3]>([
    ['a plain object body', doc(schemas, { $ref: '#/components/schemas/Cat' })],
    [
      'a oneOf whose variants share no enum property',
      doc(
        { ...schemas, Plain: { type: 'object', properties: { kind: { type: 'string' } } } },
        { oneOf: [{ $ref: '#/components/schemas/Cat' }, { $ref: '#/components/schemas/Plain' }] },
      ),
    ],
    ['a oneOf with a reference outside the document', doc(schemas, { oneOf: [{ $ref: 'other.yaml#/Cat' }] })],
    ['an empty oneOf', doc(schemas, { oneOf: [] })],
  ])('ignores %s', (_why, document) => {
    expect(taggedOneOfBodies(document).size).toBe(0);
  });
});

describe('variantErrors', () => {
  it('without the tag, keeps only the errors the default variant can raise (the seed’s 422 for the password grant)', () => {
    const errors = [err('/body/name', 'required'), err('/body/kind', 'required'), err('/body/bark', 'required'), oneOf];
    expect(variantErrors(petDoc, pets(), { color: 'grey' }, errors)).toEqual([err('/body/name', 'required')]);
  });

  it('with the tag, keeps the errors of the variant it names, and never an error about the tag itself', () => {
    const errors = [err('/body/kind', 'enum'), err('/body/name', 'required'), err('/body/bark', 'maxLength'), oneOf];
    expect(variantErrors(petDoc, pets(), { kind: 'dog', bark: 'woof!' }, errors)).toEqual([
      err('/body/bark', 'maxLength'),
    ]);
  });

  it('an error whose keyword the variant does not have at that place is not the variant’s', () => {
    const errors = [err('/body/name', 'maxLength'), err('/body/name', 'minLength')];
    expect(variantErrors(petDoc, pets(), {}, errors)).toEqual([err('/body/name', 'minLength')]);
  });

  it('when no error can be placed in the variant, keeps them all: nothing is hidden', () => {
    const errors = [err('/body/bark', 'required'), oneOf];
    expect(variantErrors(petDoc, pets(), { kind: 'cat', name: 'Tom' }, errors)).toEqual(errors);
  });

  it.each<[string, unknown, string]>([
    ['a value no variant has', { kind: 'bird' }, 'bird'],
    ['a repeated form field (an array)', { kind: ['cat', 'dog'] }, '["cat","dog"]'],
  ])('when the tag is %s, then UnknownVariantError naming tag and value', (_why, body, value) => {
    expect(() => variantErrors(petDoc, pets(), body, [oneOf])).toThrow(new UnknownVariantError('kind', value));
  });

  it('a body that is not an object counts as one without the tag', () => {
    expect(variantErrors(petDoc, pets(), undefined, [err('/body/name', 'required'), oneOf])).toEqual([
      err('/body/name', 'required'),
    ]);
  });
});
