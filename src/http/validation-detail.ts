// express-openapi-validator (ajv) errors → FastAPI/pydantic v1 validation items, so clients of
// the original service see the same `{"loc", "msg", "type"}` entries.

export interface ValidationItem {
  loc: Array<string | number>;
  msg: string;
  type: string;
}

interface ValidatorError {
  path?: string;
  message?: string;
  errorCode?: string;
}

const PYDANTIC_TYPES: Record<string, [msg: string, type: string]> = {
  string: ['str type expected', 'type_error.str'],
  object: ['value is not a valid dict', 'type_error.dict'],
  integer: ['value is not a valid integer', 'type_error.integer'],
  number: ['value is not a valid float', 'type_error.float'],
  boolean: ['value could not be parsed to a boolean', 'type_error.bool'],
  array: ['value is not a valid list', 'type_error.list'],
};

function location(path: string | undefined): Array<string | number> {
  // "/body/password" or ".body.password" → ["body", "password"]
  const parts = (path ?? '')
    .split(/[/.]/)
    .filter((p) => p.length > 0)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  return parts.length > 0 ? parts : ['body'];
}

function describe(error: ValidatorError): [msg: string, type: string] {
  const message = error.message ?? 'invalid value';
  const code = (error.errorCode ?? '').replace(/\.openapi\.validation$/, '');
  switch (code) {
    case 'required':
      return ['field required', 'value_error.missing'];
    case 'type': {
      const expected = /must be (\w+)/.exec(message)?.[1] ?? '';
      return PYDANTIC_TYPES[expected] ?? [message, 'type_error'];
    }
    case 'minLength': {
      const n = /fewer than (\d+)/.exec(message)?.[1];
      return [`ensure this value has at least ${n ?? '?'} characters`, 'value_error.any_str.min_length'];
    }
    case 'maxLength': {
      const n = /more than (\d+)/.exec(message)?.[1];
      return [`ensure this value has at most ${n ?? '?'} characters`, 'value_error.any_str.max_length'];
    }
    case 'pattern': {
      const pattern = /pattern "(.*)"$/.exec(message)?.[1];
      return [pattern ? `string does not match regex "${pattern}"` : message, 'value_error.str.regex'];
    }
    case 'enum':
      return [message, 'type_error.enum'];
    default:
      return [message, 'value_error'];
  }
}

/** Errors about a request part; others (e.g. a malformed multipart stream) are plain 400s. */
const REQUEST_PART = /^[/.](body|query|headers|path|cookies|params)\b/;

export function toValidationDetail(errors: ReadonlyArray<ValidatorError>): ValidationItem[] {
  return errors
    .filter((e) => REQUEST_PART.test(e.path ?? ''))
    .map((e) => {
      const [msg, type] = describe(e);
      return { loc: location(e.path), msg, type };
    });
}
