// Real HTTP (fetch) against any base URL: a container, a compose service, a local process.
// The seed scenario (signup -> token -> protected) and its steps.
import { PASSWORD } from './accounts';

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

export async function signup(base: string, username: string, password = PASSWORD): Promise<JsonResponse> {
  return asJson(
    await fetch(`${base}/signup`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }),
    }),
  );
}

/** A url-encoded form POSTed to `path`. */
async function form(base: string, path: string, fields: Record<string, string>): Promise<JsonResponse> {
  return asJson(
    await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    }),
  );
}

export async function token(base: string, username: string, password = PASSWORD): Promise<JsonResponse> {
  return form(base, '/token', { username, password });
}

/** The refresh_token grant: a new token pair for `refreshToken` (which it consumes). */
export async function refresh(base: string, refreshToken: string): Promise<JsonResponse> {
  return form(base, '/token', { grant_type: 'refresh_token', refresh_token: refreshToken });
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

/**
 * Sessions over real HTTP: log in, refresh (rotation), replay the consumed refresh token
 * (the session ends), then log in again and log out. Returns every token value it saw, so
 * callers can check none reached a log.
 */
export async function sessionScenario(base: string, username: string): Promise<string[]> {
  const login = await token(base, username);
  expect(login.status).toBe(200);
  const first = login.body as { access_token: string; refresh_token: string };

  const refreshed = await refresh(base, first.refresh_token);
  expect(refreshed.status).toBe(200);
  const second = refreshed.body as { access_token: string; refresh_token: string };
  expect((await protectedRoute(base, second.access_token)).status).toBe(200);

  const replay = await refresh(base, first.refresh_token);
  expect({ status: replay.status, error: replay.body.error }).toEqual({ status: 400, error: 'invalid_grant' });
  expect((await protectedRoute(base, second.access_token)).status).toBe(401);

  const again = (await token(base, username)).body as { access_token: string; refresh_token: string };
  const logout = await fetch(`${base}/logout`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${again.access_token}` },
  });
  expect(logout.status).toBe(204);
  expect((await protectedRoute(base, again.access_token)).status).toBe(401);
  return [first, second, again].flatMap((p) => [p.access_token, p.refresh_token]);
}
