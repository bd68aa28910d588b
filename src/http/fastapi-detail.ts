// FastAPI's (pydantic v1's) validation items, `{"loc", "msg", "type"}`, written in one place:
// for rules the domain enforces (RuleViolationError) and for what express-openapi-validator
// (ajv) finds wrong with a request. Clients of the original service see the same entries.
import type { CredentialField, FieldRule } from '../domain/errors';
import { USERNAME_MAX_LENGTH, USERNAME_MIN_LENGTH, USERNAME_PATTERN } from '../domain/username';

export interface ValidationItem {
  loc: Array<string | number>;
  msg: string;
  type: string;
}

type Wording = readonly [msg: string, type: string];

const minLength = (n: number | string): Wording => [
  `ensure this value has at least ${n} characters`,
  'value_error.any_str.min_length',
];
const maxLength = (n: number | string): Wording => [
  `ensure this value has at most ${n} characters`,
  'value_error.any_str.max_length',
];

/** What the Username schema's pattern and the domain's username_form rule allow. */
const USERNAME_CHARACTERS = 'letters, digits and . _ @ -';

/** The wording of each domain rule; `limit` is the rule's bound where it has one. */
const codePoint = (c: string | undefined) =>
  `U+${(c?.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

const RULE_WORDING: Record<FieldRule, (limit: number | undefined, character: string | undefined) => Wording> = {
  min_length: (limit) => minLength(limit ?? '?'),
  max_length: (limit) => maxLength(limit ?? '?'),
  common: () => [
    'this password is too common (it appears in lists of leaked passwords); choose another',
    'value_error.password.common',
  ],
  equals_username: () => ['the password must not be the username', 'value_error.password.username'],
  username_form: () => [
    `after normalisation (RFC 8265) the username must be ${USERNAME_MIN_LENGTH} to ${USERNAME_MAX_LENGTH} characters, only ${USERNAME_CHARACTERS}; a name with right-to-left letters must start with one, end with one or a digit, and hold no left-to-right letters (RFC 5893)`,
    'value_error.username',
  ],
  username_character: (_limit, character) => [
    `the username contains ${codePoint(character)}, an invisible or look-alike character that usernames may not hold (RFC 8265)`,
    'value_error.username.character',
  ],
  username_mixed_script: () => [
    'the username mixes letters of different scripts (for example Latin and Cyrillic), which makes look-alike names; use one script (UTS #39)',
    'value_error.username.mixed_script',
  ],
};

/** The item for a RuleViolationError: the field is always in the body. */
export function ruleItem(field: CredentialField, rule: FieldRule, limit?: number, character?: string): ValidationItem {
  const [msg, type] = RULE_WORDING[rule](limit, character);
  return { loc: ['body', field], msg, type };
}

/** An error as express-openapi-validator reports it (ajv's message, keyword and instance path). */
export interface ValidatorError {
  path?: string;
  message?: string;
  errorCode?: string;
}

const PYDANTIC_TYPES = new Map<string, Wording>([
  ['string', ['str type expected', 'type_error.str']],
  ['object', ['value is not a valid dict', 'type_error.dict']],
  ['integer', ['value is not a valid integer', 'type_error.integer']],
  ['number', ['value is not a valid float', 'type_error.float']],
  ['boolean', ['value could not be parsed to a boolean', 'type_error.bool']],
  ['array', ['value is not a valid list', 'type_error.list']],
]);

/**
 * The contract's patterns in plain words, by the pattern's text as ajv reports it: a client
 * reads what to type, not a regular expression. test/unit/fastapi-detail.test.ts checks that
 * every pattern in openapi.yaml has its words here.
 */
export const PATTERN_WORDING: ReadonlyMap<string, string> = new Map([
  [USERNAME_PATTERN.source, `the username may contain only ${USERNAME_CHARACTERS} (no spaces or +)`],
  ['^[A-Za-z0-9_-]{22}$', 'a session id is 22 letters, digits, _ or - (copy it from GET /sessions)'],
]);

/**
 * ajv 8's messages carry the bound only in their English text ("must NOT have fewer than 8
 * characters"). test/unit/fastapi-detail.test.ts drives the real validator through every
 * row, so an ajv upgrade that rewords one fails there.
 */
const VALIDATOR_WORDING = new Map<string, (message: string) => Wording>([
  ['required', () => ['field required', 'value_error.missing']],
  ['type', (message) => PYDANTIC_TYPES.get(/must be (\w+)/.exec(message)?.[1] ?? '') ?? [message, 'type_error']],
  ['minLength', (message) => minLength(/fewer than (\d+)/.exec(message)?.[1] ?? '?')],
  ['maxLength', (message) => maxLength(/more than (\d+)/.exec(message)?.[1] ?? '?')],
  [
    'pattern',
    (message) => {
      const pattern = /pattern "(.*)"$/.exec(message)?.[1];
      if (pattern === undefined) return [message, 'value_error.str.regex'];
      // pydantic's own words for a pattern no one has put in plain words yet.
      return [PATTERN_WORDING.get(pattern) ?? `string does not match regex "${pattern}"`, 'value_error.str.regex'];
    },
  ],
  ['enum', (message) => [message, 'type_error.enum']],
]);

/** The validator's names for request parts, where FastAPI's differ ("/params/id" is a path parameter). */
const FASTAPI_PART = new Map([['params', 'path']]);

/** The ajv keyword that failed: "required" for errorCode "required.openapi.validation". */
export const validatorKeyword = (error: ValidatorError): string =>
  (error.errorCode ?? '').replace(/\.openapi\.validation$/, '');

/** The parts of an error's path: "/body/password" or ".body.password" → ["body", "password"]. */
export const pathSegments = (path: string): string[] => path.split(/[/.]/).filter((p) => p.length > 0);

/** "/body/password", ".body.list.1" or "/params/id" → ["body", "password"], ["body", "list", 1] or ["path", "id"]. */
const location = (path: string): Array<string | number> =>
  pathSegments(path).map((p, i) => (i === 0 ? (FASTAPI_PART.get(p) ?? p) : /^\d+$/.test(p) ? Number(p) : p));

/** Errors about a request part; others (e.g. a malformed multipart stream) are plain 400s. */
const REQUEST_PART = /^[/.](body|query|headers|path|cookies|params)\b/;

export function toValidationDetail(errors: ReadonlyArray<ValidatorError>): ValidationItem[] {
  return errors
    .filter((e): e is ValidatorError & { path: string } => REQUEST_PART.test(e.path ?? ''))
    .map((e) => {
      const message = e.message ?? 'invalid value';
      const [msg, type] = VALIDATOR_WORDING.get(validatorKeyword(e))?.(message) ?? [message, 'value_error'];
      return { loc: location(e.path), msg, type };
    });
}
