// Accounts through the app's own operations (supertest): sign up, log in, get a token.
import type { Express } from 'express';
import request from 'supertest';

/** TEST FIXTURE ONLY: a password the policy accepts (long enough, not on the common list). */
export const PASSWORD = 'correct horse battery staple';

export const signup = (app: Express, username: string, password: string = PASSWORD) =>
  request(app).post('/signup').send({ username, password });

export const login = (app: Express, username: string, password: string = PASSWORD) =>
  request(app).post('/token').type('form').send({ username, password });

/** Signs `username` up and logs in; returns the access token. */
export async function tokenFor(app: Express, username: string): Promise<string> {
  await signup(app, username).expect(200);
  const res = await login(app, username).expect(200);
  return (res.body as { access_token: string }).access_token;
}

export const withBearer = (app: Express, path: string, token: string) =>
  request(app).get(path).set('Authorization', `Bearer ${token}`);

export interface TokenPair {
  readonly access: string;
  readonly refresh: string;
}

const pairOf = (body: { access_token: string; refresh_token: string }): TokenPair => ({
  access: body.access_token,
  refresh: body.refresh_token,
});

/** Logs in (the account must exist) and returns both tokens. */
export async function loginPair(app: Express, username: string, password: string = PASSWORD): Promise<TokenPair> {
  return pairOf((await login(app, username, password).expect(200)).body);
}

/** POST /token with the refresh-token grant (RFC 6749 §6). */
export const refresh = (app: Express, refreshToken: string) =>
  request(app).post('/token').type('form').send({ grant_type: 'refresh_token', refresh_token: refreshToken });

/** Refreshes and expects success; returns the new pair. */
export async function refreshPair(app: Express, refreshToken: string): Promise<TokenPair> {
  return pairOf((await refresh(app, refreshToken).expect(200)).body);
}

export const withBearerPost = (app: Express, path: string, token: string) =>
  request(app).post(path).set('Authorization', `Bearer ${token}`);

let accountSerial = 0;
/** Signs up a new account with a name no other test in this process uses; returns the name. */
export async function newAccount(app: Express, prefix: string): Promise<string> {
  accountSerial += 1;
  const name = `${prefix}${accountSerial}`;
  await signup(app, name).expect(200);
  return name;
}

/** POST /password (JSON) as the holder of `accessToken`. */
export const changePassword = (app: Express, accessToken: string, current: string, fresh: string) =>
  withBearerPost(app, '/password', accessToken).send({ current_password: current, new_password: fresh });
