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
