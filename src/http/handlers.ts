// One thin handler per operationId in openapi.yaml: unpack the request, call the domain,
// shape the response. Bodies are typed from the contract; errors go to error-handler.ts.
import type { Request, RequestHandler } from 'express';
import type { Registry } from 'prom-client';
import type { AccountService } from '../domain/account-service';
import type { User } from '../domain/user-store';
import { bearerToken } from './bearer';
import { reply, requestBody, type OperationId } from './contract/typed-io';
import { NOT_FOUND, send } from './error-handler';
import { UnsupportedGrantTypeError } from './http-errors';

export interface HandlerDeps {
  readonly accounts: AccountService;
  /** Resolves true when the service can take traffic (store reachable, not draining). */
  readonly isReady: () => Promise<boolean>;
  /** The registry to expose at GET /metrics on this app; undefined answers 404 there. */
  readonly metrics?: Registry | undefined;
}

export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/** A handler for every operation of the contract: the compiler checks none is missing. */
export type ContractHandlers = { readonly [Op in OperationId]: RequestHandler };

export function createHandlers({ accounts, isReady, metrics }: HandlerDeps): ContractHandlers {
  const currentUser = (req: Request): Promise<User> => accounts.authenticate(bearerToken(req.headers.authorization));

  return {
    signup: async (req, res) => {
      const { username, password } = requestBody(req, 'signup');
      await accounts.signup(username, password, clientAddress(req));
      reply(res, 'signup', 200, { message: 'User created successfully' });
    },

    issueToken: async (req, res) => {
      const { username, password, grant_type: grantType } = requestBody(req, 'issueToken');
      // RFC 6749 §4.3.2 makes grant_type required; the tutorial's clients omit it.
      if (grantType !== undefined && grantType !== 'password') throw new UnsupportedGrantTypeError(grantType);
      const issued = await accounts.login(username, password, clientAddress(req));
      reply(res, 'issueToken', 200, { access_token: issued.token, token_type: 'bearer', expires_in: issued.expiresIn });
    },

    revokeToken: async (req, res) => {
      await accounts.revoke(requestBody(req, 'revokeToken').token);
      reply(res, 'revokeToken', 200, {});
    },

    getProtected: async (req, res) => {
      const user = await currentUser(req);
      reply(res, 'getProtected', 200, { message: `Hello ${user.username}! This is a protected route` });
    },

    getCurrentUser: async (req, res) => {
      const user = await currentUser(req);
      reply(res, 'getCurrentUser', 200, { username: user.username, created_at: user.createdAt.toISOString() });
    },

    getHealth: (_req, res) => {
      reply(res, 'getHealth', 200, { status: 'ok' });
    },

    getReadiness: async (_req, res) => {
      if (await isReady()) reply(res, 'getReadiness', 200, { status: 'ready' });
      else reply(res, 'getReadiness', 503, { status: 'unavailable' });
    },

    getMetrics: async (_req, res) => {
      if (!metrics) {
        send(res, NOT_FOUND);
        return;
      }
      const text = await metrics.metrics();
      res.type(metrics.contentType).send(text);
    },
  };
}
