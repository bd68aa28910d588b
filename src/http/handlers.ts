// One thin handler per operationId in openapi.yaml: unpack the request, call the domain,
// shape the response. Errors go to error-handler.ts.
import type { Request, RequestHandler } from 'express';
import type { Registry } from 'prom-client';
import type { AccountService } from '../domain/account-service';
import { UnsupportedGrantTypeError } from '../domain/errors';
import type { User } from '../domain/user-store';
import { bearerToken } from './bearer';
import { sendNotFound } from './error-handler';

export interface HandlerDeps {
  readonly accounts: AccountService;
  /** Resolves true when the service can take traffic (store reachable, not draining). */
  readonly isReady: () => Promise<boolean>;
  /** The registry to expose at GET /metrics; undefined answers 404 there. */
  readonly metrics?: Registry | undefined;
}

interface CredentialsBody {
  username: string;
  password: string;
}

interface PasswordGrantBody extends CredentialsBody {
  grant_type?: string;
}

export type OperationHandlers = Readonly<Record<string, RequestHandler>>;

export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

export function createHandlers({ accounts, isReady, metrics }: HandlerDeps): OperationHandlers {
  const currentUser = (req: Request): Promise<User> => accounts.authenticate(bearerToken(req.headers.authorization));

  return {
    signup: async (req, res) => {
      const { username, password } = req.body as CredentialsBody;
      await accounts.signup(username, password, clientAddress(req));
      res.json({ message: 'User created successfully' });
    },

    issueToken: async (req, res) => {
      const { username, password, grant_type: grantType } = req.body as PasswordGrantBody;
      if (grantType !== undefined && grantType !== 'password') throw new UnsupportedGrantTypeError(grantType);
      const issued = await accounts.login(username, password, clientAddress(req));
      res.json({ access_token: issued.token, token_type: 'bearer', expires_in: issued.expiresIn });
    },

    revokeToken: async (req, res) => {
      const { token } = req.body as { token: string };
      await accounts.revoke(token);
      res.json({});
    },

    getProtected: async (req, res) => {
      const user = await currentUser(req);
      res.json({ message: `Hello ${user.username}! This is a protected route` });
    },

    getCurrentUser: async (req, res) => {
      const user = await currentUser(req);
      res.json({ username: user.username, created_at: user.createdAt.toISOString() });
    },

    getHealth: (_req, res) => {
      res.json({ status: 'ok' });
    },

    getReadiness: async (_req, res) => {
      const ready = await isReady();
      res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable' });
    },

    getMetrics: async (_req, res) => {
      if (!metrics) {
        sendNotFound(res);
        return;
      }
      const text = await metrics.metrics();
      res.type(metrics.contentType).send(text);
    },
  };
}
