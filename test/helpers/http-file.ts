// A small reader for HTTP request files (REST Client's `.http` format): `###` between
// requests, `@name = value` file variables, `# @name login` named requests, a `# expect: 200`
// comment with the status a request should get, and `{{login.response.body.$.field}}`
// references to JSON fields of earlier answers (a JSONPath subset: `.key`, `[0]` and
// `[?(@.key==value)]`, whose first match is taken, as REST Client does).

export interface HttpRequest {
  /** 1-based line of the request line. */
  readonly line: number;
  /** The text after `###`. */
  readonly title: string;
  readonly name: string | undefined;
  readonly expectedStatus: number | undefined;
  readonly method: string;
  /** Unresolved: may hold `{{…}}` references. */
  readonly url: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: string | undefined;
}

export interface HttpFile {
  readonly variables: Readonly<Record<string, string>>;
  readonly requests: readonly HttpRequest[];
}

const REQUEST_LINE = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(\S+)(?:\s+HTTP\/[\d.]+)?$/;
const FILE_VARIABLE = /^@([A-Za-z_][\w-]*)\s*=\s*(.*?)\s*$/;
const COMMENT = /^(?:#|\/\/)\s?(.*)$/;

export function parseHttpFile(text: string): HttpFile {
  const lines = text.split(/\r?\n/);
  const variables: Record<string, string> = {};
  const requests: HttpRequest[] = [];
  let i = 0;
  while (i < lines.length) {
    const title = (lines[i] ?? '').startsWith('###') ? (lines[i++] ?? '').slice(3).trim() : '';
    let name: string | undefined;
    let expectedStatus: number | undefined;
    let request: { line: number; method: string; url: string } | undefined;
    // Before the request line: variables, comments (with @name and expect), blank lines.
    for (; i < lines.length && !(lines[i] ?? '').startsWith('###'); i++) {
      const l = (lines[i] ?? '').trim();
      const variable = FILE_VARIABLE.exec(l);
      const comment = COMMENT.exec(l);
      if (variable) variables[variable[1] ?? ''] = variable[2] ?? '';
      else if (comment) {
        const named = /^@name\s*=?\s*(\S+)$/.exec(comment[1] ?? '');
        const expected = /^expect:\s*(\d{3})$/.exec(comment[1] ?? '');
        if (named) name = named[1];
        if (expected) expectedStatus = Number(expected[1]);
      } else if (l !== '') {
        const m = REQUEST_LINE.exec(l);
        if (!m) throw new Error(`line ${i + 1}: not a request line: ${l}`);
        request = { line: i + 1, method: m[1] ?? '', url: m[2] ?? '' };
        i++;
        break;
      }
    }
    if (!request) continue;
    const headers: Array<[string, string]> = [];
    for (; i < lines.length && (lines[i] ?? '').trim() !== '' && !(lines[i] ?? '').startsWith('###'); i++) {
      const l = lines[i] ?? '';
      if (COMMENT.test(l)) continue;
      const colon = l.indexOf(':');
      if (colon <= 0) throw new Error(`line ${i + 1}: not a header: ${l}`);
      headers.push([l.slice(0, colon).trim(), l.slice(colon + 1).trim()]);
    }
    const bodyLines: string[] = [];
    for (; i < lines.length && !(lines[i] ?? '').startsWith('###'); i++) bodyLines.push(lines[i] ?? '');
    const body = bodyLines.join('\n').trim();
    requests.push({ ...request, title, name, expectedStatus, headers, body: body === '' ? undefined : body });
  }
  return { variables, requests };
}

/** One JSONPath step: a key, an index, or a `?(@.key==value)` filter. */
function step(values: unknown[], segment: string): unknown[] {
  const filter = /^\?\(@\.(\w+)\s*==\s*(.+)\)$/.exec(segment);
  return values.flatMap((v) => {
    if (filter) {
      const wanted: unknown = JSON.parse((filter[2] ?? '').replace(/^'(.*)'$/, '"$1"'));
      return Array.isArray(v)
        ? v.filter((item) => (item as Record<string, unknown>)?.[filter[1] ?? ''] === wanted)
        : [];
    }
    if (v === null || typeof v !== 'object') return [];
    const next = (v as Record<string, unknown>)[segment];
    return next === undefined ? [] : [next];
  });
}

/** The first value `path` (`$.a.b[0]`, `$.list[?(@.k==false)].id`, or without the `$.`) selects in `json`. */
export function selectJson(json: unknown, path: string): unknown {
  const segments = [...path.replace(/^\$\.?/, '').matchAll(/\[([^\]]+)\]|([^.[\]]+)/g)].map((m) => m[1] ?? m[2] ?? '');
  const found = segments.reduce<unknown[]>((values, s) => step(values, s), [json]);
  if (found.length === 0) throw new Error(`${path} selects nothing in ${JSON.stringify(json)}`);
  return found[0];
}

/**
 * `text` with every `{{variable}}` and `{{request.response.body.<path>}}` replaced; an unknown
 * name is an error, so a typo in the file fails rather than sending the braces.
 */
export function resolve(
  text: string,
  variables: Readonly<Record<string, string>>,
  responses: ReadonlyMap<string, unknown>,
): string {
  return text.replace(/\{\{\s*([^}]+?)\s*\}\}/g, (_all, ref: string) => {
    const reference = /^(\w+)\.response\.body\.(.+)$/.exec(ref);
    if (reference) {
      const [, request = '', path = ''] = reference;
      if (!responses.has(request)) throw new Error(`{{${ref}}}: no answer to a request named ${request} yet`);
      const value = selectJson(responses.get(request), path);
      return typeof value === 'string' ? value : JSON.stringify(value);
    }
    const value = variables[ref];
    if (value === undefined) throw new Error(`{{${ref}}}: no such variable`);
    return resolve(value, variables, responses);
  });
}
