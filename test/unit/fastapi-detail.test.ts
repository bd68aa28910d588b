// FastAPI's validation items, from both sources: domain rule violations, and the errors the
// real express-openapi-validator (ajv) raises. The validator rows drive the installed
// validator, so an ajv or validator upgrade that rewords a message fails here.
import express, { type ErrorRequestHandler } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import request from 'supertest';
import { USERNAME_PATTERN } from '../../src/domain/username';
import {
  PATTERN_WORDING,
  ruleItem,
  toValidationDetail,
  type ValidationItem,
  type ValidatorError,
} from '../../src/http/fastapi-detail';
import { sharedContract } from '../helpers/test-app';

const SPEC = {
  openapi: '3.0.3',
  info: { title: 'fastapi-detail table test', version: '1' },
  paths: {
    '/echo': {
      post: {
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['needed'],
                properties: {
                  needed: { type: 'string' },
                  text: { type: 'string' },
                  dict: { type: 'object' },
                  whole: { type: 'integer' },
                  real: { type: 'number' },
                  flag: { type: 'boolean' },
                  list: { type: 'array', items: { type: 'string' } },
                  short: { type: 'string', minLength: 3 },
                  long: { type: 'string', maxLength: 5 },
                  letters: { type: 'string', pattern: '^[a-z]+$' },
                  username: { type: 'string', pattern: USERNAME_PATTERN.source },
                  choice: { type: 'string', enum: ['a', 'b'] },
                },
              },
            },
          },
        },
        responses: { '200': { description: 'ok' } },
      },
    },
  },
};

let captured: ValidatorError[] = [];
const app = express();
app.use(express.json());
app.use(OpenApiValidator.middleware({ apiSpec: SPEC as never, validateRequests: { allErrors: true } }));
app.post('/echo', (_req, res) => void res.json({}));
const capture: ErrorRequestHandler = (err: { errors?: ValidatorError[] }, _req, res, _next) => {
  captured = err.errors ?? [];
  res.status(400).json({});
};
app.use(capture);

/** The validator's errors for `body`, as express-openapi-validator hands them to the error handler. */
async function validatorErrors(body: unknown): Promise<ValidatorError[]> {
  captured = [];
  await request(app)
    .post('/echo')
    .send(body as object);
  return captured;
}

const base = { needed: 'x' };

describe('toValidationDetail over the real validator', () => {
  it.each<[string, unknown, ValidationItem]>([
    [
      'a required field is missing',
      {},
      { loc: ['body', 'needed'], msg: 'field required', type: 'value_error.missing' },
    ],
    [
      'a string is a number',
      { ...base, text: 5 },
      { loc: ['body', 'text'], msg: 'str type expected', type: 'type_error.str' },
    ],
    [
      'an object is a string',
      { ...base, dict: 'x' },
      { loc: ['body', 'dict'], msg: 'value is not a valid dict', type: 'type_error.dict' },
    ],
    [
      'an integer is a fraction',
      { ...base, whole: 1.5 },
      { loc: ['body', 'whole'], msg: 'value is not a valid integer', type: 'type_error.integer' },
    ],
    [
      'a number is a string',
      { ...base, real: 'x' },
      { loc: ['body', 'real'], msg: 'value is not a valid float', type: 'type_error.float' },
    ],
    [
      'a boolean is a string',
      { ...base, flag: 'x' },
      { loc: ['body', 'flag'], msg: 'value could not be parsed to a boolean', type: 'type_error.bool' },
    ],
    [
      'an array is a string',
      { ...base, list: 'x' },
      { loc: ['body', 'list'], msg: 'value is not a valid list', type: 'type_error.list' },
    ],
    [
      'an array item has the wrong type',
      { ...base, list: ['ok', 7] },
      { loc: ['body', 'list', 1], msg: 'str type expected', type: 'type_error.str' },
    ],
    ['the body is not an object', [1, 2], { loc: ['body'], msg: 'value is not a valid dict', type: 'type_error.dict' }],
    [
      'a string is too short',
      { ...base, short: 'ab' },
      {
        loc: ['body', 'short'],
        msg: 'ensure this value has at least 3 characters',
        type: 'value_error.any_str.min_length',
      },
    ],
    [
      'a string is too long',
      { ...base, long: 'abcdef' },
      {
        loc: ['body', 'long'],
        msg: 'ensure this value has at most 5 characters',
        type: 'value_error.any_str.max_length',
      },
    ],
    [
      "a string breaks a pattern no one has put in words (pydantic's own wording)",
      { ...base, letters: 'A1' },
      { loc: ['body', 'letters'], msg: 'string does not match regex "^[a-z]+$"', type: 'value_error.str.regex' },
    ],
    [
      'a username breaks the Username pattern',
      { ...base, username: 'bob+1@example.com' },
      {
        loc: ['body', 'username'],
        msg: 'the username may contain only letters, digits and . _ @ - (no spaces or +)',
        type: 'value_error.str.regex',
      },
    ],
    [
      'a value is not in the enum',
      { ...base, choice: 'c' },
      { loc: ['body', 'choice'], msg: 'must be equal to one of the allowed values: a, b', type: 'type_error.enum' },
    ],
  ])('when %s, then one FastAPI item', async (_why, body, item) => {
    expect(toValidationDetail(await validatorErrors(body))).toEqual([item]);
  });

  it('when several fields are wrong, then one item per field, as FastAPI lists them', async () => {
    const items = toValidationDetail(await validatorErrors({ text: 5, short: 'a' }));
    expect(items.map((i) => i.loc.join('.')).sort()).toEqual(['body.needed', 'body.short', 'body.text']);
  });

  it('when an error is not about a request part, then it is left to the plain 400', () => {
    expect(toValidationDetail([{ path: 'multipart', message: 'Unexpected end of form', errorCode: 'x' }])).toEqual([]);
  });

  it.each<[string, ValidatorError, ValidationItem]>([
    [
      'the message is missing',
      { path: '/body/x', errorCode: 'const.openapi.validation' },
      { loc: ['body', 'x'], msg: 'invalid value', type: 'value_error' },
    ],
    [
      'the error code is missing',
      { path: '/body/x', message: 'odd' },
      { loc: ['body', 'x'], msg: 'odd', type: 'value_error' },
    ],
    [
      'a minLength message has no number',
      { path: '/body/x', message: 'too short', errorCode: 'minLength.openapi.validation' },
      {
        loc: ['body', 'x'],
        msg: 'ensure this value has at least ? characters',
        type: 'value_error.any_str.min_length',
      },
    ],
    [
      'a maxLength message has no number',
      { path: '/body/x', message: 'too long', errorCode: 'maxLength.openapi.validation' },
      { loc: ['body', 'x'], msg: 'ensure this value has at most ? characters', type: 'value_error.any_str.max_length' },
    ],
    [
      'a pattern message names no pattern',
      { path: '/body/x', message: 'bad form', errorCode: 'pattern.openapi.validation' },
      { loc: ['body', 'x'], msg: 'bad form', type: 'value_error.str.regex' },
    ],
    [
      'a type message names an unknown type',
      { path: '/body/x', message: 'must be null', errorCode: 'type.openapi.validation' },
      { loc: ['body', 'x'], msg: 'must be null', type: 'type_error' },
    ],
    [
      'the path has a name ending in digits',
      { path: '.body.item12', message: 'x', errorCode: 'required.openapi.validation' },
      { loc: ['body', 'item12'], msg: 'field required', type: 'value_error.missing' },
    ],
    [
      'the path has an index',
      { path: '/query/ids/3', message: 'x', errorCode: 'required.openapi.validation' },
      { loc: ['query', 'ids', 3], msg: 'field required', type: 'value_error.missing' },
    ],
    [
      'a path parameter is wrong (the validator says "params", FastAPI "path")',
      { path: '/params/id', message: 'x', errorCode: 'required.openapi.validation' },
      { loc: ['path', 'id'], msg: 'field required', type: 'value_error.missing' },
    ],
    [
      'a body field is called params (only the first part is renamed)',
      { path: '/body/params', message: 'x', errorCode: 'required.openapi.validation' },
      { loc: ['body', 'params'], msg: 'field required', type: 'value_error.missing' },
    ],
  ])('when %s, then the item still says what it can', (_why, error, item) => {
    expect(toValidationDetail([error])).toEqual([item]);
  });

  it('when a pattern message names a pattern put in words, then the words, not the pattern', () => {
    expect(
      toValidationDetail([
        {
          path: '/params/id',
          message: 'must match pattern "^[A-Za-z0-9_-]{22}$"',
          errorCode: 'pattern.openapi.validation',
        },
      ]),
    ).toEqual([
      {
        loc: ['path', 'id'],
        msg: 'a session id is 22 letters, digits, _ or - (copy it from GET /sessions)',
        type: 'value_error.str.regex',
      },
    ]);
  });

  it('every pattern a request can break in openapi.yaml is put in words, and never shows its regular expression', async () => {
    const { document } = await sharedContract();
    const patterns = new Set<string>();
    const seen = new Set<unknown>();
    /** Patterns in a request's schemas and parameters, following $refs. */
    const collect = (node: unknown): void => {
      if (typeof node !== 'object' || node === null || seen.has(node)) return;
      seen.add(node);
      for (const [key, value] of Object.entries(node)) {
        if (key === 'pattern' && typeof value === 'string') patterns.add(value);
        else if (key === '$ref' && typeof value === 'string')
          collect(
            value
              .split('/')
              .slice(1)
              .reduce<unknown>((at, part) => (at as Record<string, unknown>)[part], document),
          );
        else collect(value);
      }
    };
    for (const item of Object.values(document.paths))
      for (const op of Object.values(item as Record<string, { requestBody?: unknown; parameters?: unknown }>))
        collect([op.requestBody, op.parameters]);
    expect(patterns.size).toBeGreaterThanOrEqual(2);
    for (const pattern of patterns) {
      const words = PATTERN_WORDING.get(pattern);
      expect({ pattern, words }).toEqual({ pattern, words: expect.any(String) });
      expect(words).not.toContain(pattern);
    }
  });

  it('when ajv reports a keyword this table does not know, then its message is kept with type value_error', () => {
    expect(
      toValidationDetail([
        { path: '/body/x', message: 'must be multiple of 2', errorCode: 'multipleOf.openapi.validation' },
      ]),
    ).toEqual([{ loc: ['body', 'x'], msg: 'must be multiple of 2', type: 'value_error' }]);
  });
});

describe('ruleItem: the domain rules in FastAPI words', () => {
  it.each<[Parameters<typeof ruleItem>, ValidationItem]>([
    [
      ['password', 'min_length', 8],
      {
        loc: ['body', 'password'],
        msg: 'ensure this value has at least 8 characters',
        type: 'value_error.any_str.min_length',
      },
    ],
    [
      ['password', 'max_length', 256],
      {
        loc: ['body', 'password'],
        msg: 'ensure this value has at most 256 characters',
        type: 'value_error.any_str.max_length',
      },
    ],
    [
      ['password', 'common'],
      {
        loc: ['body', 'password'],
        msg: 'this password is too common (it appears in lists of leaked passwords); choose another',
        type: 'value_error.password.common',
      },
    ],
    [
      ['password', 'equals_username'],
      {
        loc: ['body', 'password'],
        msg: 'the password must not be the username',
        type: 'value_error.password.username',
      },
    ],
    [
      ['username', 'username_form'],
      {
        loc: ['body', 'username'],
        msg: 'after normalisation (RFC 8265) the username must be 3 to 64 characters, only letters, digits and . _ @ -; a name with right-to-left letters must start with one, end with one or a digit, and hold no left-to-right letters (RFC 5893)',
        type: 'value_error.username',
      },
    ],
    [
      ['username', 'username_character', undefined, '\u1160'],
      {
        loc: ['body', 'username'],
        msg: 'the username contains U+1160, an invisible or look-alike character that usernames may not hold (RFC 8265)',
        type: 'value_error.username.character',
      },
    ],
    [
      ['username', 'username_mixed_script'],
      {
        loc: ['body', 'username'],
        msg: 'the username mixes letters of different scripts (for example Latin and Cyrillic), which makes look-alike names; use one script (UTS #39)',
        type: 'value_error.username.mixed_script',
      },
    ],
    [
      ['password', 'min_length'],
      {
        loc: ['body', 'password'],
        msg: 'ensure this value has at least ? characters',
        type: 'value_error.any_str.min_length',
      },
    ],
    [
      ['password', 'max_length'],
      {
        loc: ['body', 'password'],
        msg: 'ensure this value has at most ? characters',
        type: 'value_error.any_str.max_length',
      },
    ],
  ])('%j', (args, item) => {
    expect(ruleItem(...args)).toEqual(item);
  });
});
