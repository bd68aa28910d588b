// express-openapi-validator 5.6 recompiles a path-to-regexp matcher for every route of the
// contract on every request (lookupRoute in its metadata middleware). Upstream PR
// cdimascio/express-openapi-validator#1217 caches them; until a release has it, memoise
// pathToRegexp on the module instance the validator loads. pathToRegexp is pure, its
// regular expressions carry no g/y flag (so sharing them keeps no state between calls), and
// the routes of one contract are a small fixed set.
import path from 'node:path';

type PathToRegexp = (route: unknown, options?: object) => unknown;

const MEMOISED = Symbol.for('jwt-auth-service.memoisedPathToRegexp');
const MAX_ENTRIES = 1000;

/**
 * The lookup calls pathToRegexp for every route of the contract on every request, always with
 * `{ sensitive, strict }` (booleans): those two are keyed without JSON.stringify, which cost
 * as much as the lookup itself. Any other options object is keyed by its JSON.
 */
function optionsKey(options: object): string {
  const { sensitive, strict, ...rest } = options as { sensitive?: unknown; strict?: unknown };
  for (const _ in rest) return JSON.stringify(options);
  return `${String(sensitive)},${String(strict)}`;
}

/** Idempotent; returns the module object it patched (for tests). */
export function memoiseValidatorRouteMatchers(): { pathToRegexp: PathToRegexp } {
  const validatorDir = path.dirname(require.resolve('express-openapi-validator'));
  // The validator's own instance, found at run time: a static import could resolve elsewhere.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ptr = require(require.resolve('path-to-regexp', { paths: [validatorDir] })) as {
    pathToRegexp: PathToRegexp & { [MEMOISED]?: true };
  };
  if (ptr.pathToRegexp[MEMOISED]) return ptr;

  const original = ptr.pathToRegexp;
  const cache = new Map<string, unknown>();
  const memoised = (route: unknown, options: object = {}): unknown => {
    if (typeof route !== 'string') return original(route, options);
    const key = `${route}\0${optionsKey(options)}`;
    let compiled = cache.get(key);
    if (compiled === undefined) {
      compiled = original(route, options);
      if (cache.size < MAX_ENTRIES) cache.set(key, compiled);
    }
    return compiled;
  };
  ptr.pathToRegexp = Object.assign(memoised, { [MEMOISED]: true as const });
  return ptr;
}
