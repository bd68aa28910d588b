// Real-HTTP calls for the smoke tests: the seed scenario (signup -> token -> protected) and its
// documented failures, against any base URL (a container, a compose service, a local process).
import { once } from 'node:events';
import { connect } from 'node:net';

/** TEST FIXTURE ONLY: a password that satisfies the service's policy (>= 8 chars, not common). */
export const SMOKE_PASSWORD = 'correct horse battery staple';

/** A parsed JSON object body; a body that is not a JSON object comes back as `{ _text }`. */
export type JsonBody = Record<string, unknown>;

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: JsonBody;
}

function parseBody(text: string): JsonBody {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as JsonBody;
  } catch {
    // not JSON: fall through, the assertion will show the text
  }
  return { _text: text };
}

async function asJson(res: Response): Promise<JsonResponse> {
  return { status: res.status, headers: res.headers, body: parseBody(await res.text()) };
}

export async function signup(base: string, username: string, password = SMOKE_PASSWORD): Promise<JsonResponse> {
  return asJson(
    await fetch(`${base}/signup`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }),
    }),
  );
}

export async function token(base: string, username: string, password = SMOKE_PASSWORD): Promise<JsonResponse> {
  return asJson(
    await fetch(`${base}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username, password }).toString(),
    }),
  );
}

export async function protectedRoute(base: string, accessToken?: string): Promise<JsonResponse> {
  return asJson(
    await fetch(`${base}/protected`, {
      headers: accessToken === undefined ? {} : { Authorization: `Bearer ${accessToken}` },
    }),
  );
}

/**
 * The tutorial's scenario, checked step by step; returns the access token it obtained.
 */
export async function seedScenario(base: string, username: string): Promise<string> {
  const created = await signup(base, username);
  expect({ status: created.status, body: created.body }).toEqual({
    status: 200,
    body: { message: 'User created successfully' },
  });

  const issued = await token(base, username);
  expect(issued.status).toBe(200);
  expect(issued.body).toEqual(
    expect.objectContaining({ access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/), token_type: 'bearer' }),
  );
  const accessToken = issued.body.access_token as string;

  const hello = await protectedRoute(base, accessToken);
  expect({ status: hello.status, body: hello.body }).toEqual({
    status: 200,
    body: { message: `Hello ${username}! This is a protected route` },
  });
  return accessToken;
}

export interface RawExchange {
  /** resolves with everything the server sent once it closes the connection */
  response: Promise<string>;
  /** sends the rest of the request body */
  finish(): void;
}

/**
 * Opens a raw TCP connection and sends a POST /token whose headers announce the whole body
 * but which carries only its first few bytes: a request that is still "in flight".
 */
export async function startPartialTokenRequest(
  host: string,
  port: number,
  username: string,
  password = SMOKE_PASSWORD,
): Promise<RawExchange> {
  const body = new URLSearchParams({ username, password }).toString();
  const cut = 10;
  const socket = connect(port, host);
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
  const response = new Promise<string>((resolve, reject) => {
    socket.once('close', () => resolve(received));
    socket.once('error', (err) => (received ? resolve(received) : reject(err)));
  });
  socket.write(
    'POST /token HTTP/1.1\r\n' +
      `Host: ${host}:${port}\r\n` +
      'Content-Type: application/x-www-form-urlencoded\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      '\r\n' +
      body.slice(0, cut),
  );
  return { response, finish: () => socket.write(body.slice(cut)) };
}

/** Splits a raw HTTP/1.1 response into status and JSON body. */
export function parseRawResponse(raw: string): { status: number; body: JsonBody } {
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(raw)?.[1] ?? NaN);
  const sep = raw.indexOf('\r\n\r\n');
  return { status, body: parseBody(sep >= 0 ? raw.slice(sep + 4) : raw) };
}
