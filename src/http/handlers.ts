// One thin handler per operationId in openapi.yaml: unpack the request, call the domain,
// shape the response. Bodies are typed from the contract; errors go to error-handler.ts.
import { isIP } from 'node:net';
import type { Request, RequestHandler } from 'express';
import type { AccountService } from '../domain/account-service';
import type { User } from '../domain/user-store';
import { bearerToken } from './bearer';
import { reply, requestBody, type OperationId } from './contract/typed-io';
import { UnsupportedGrantTypeError } from './http-errors';

export interface HandlerDeps {
  readonly accounts: AccountService;
  /** Resolves true when the service can take traffic (store reachable, not draining). */
  readonly isReady: () => Promise<boolean>;
}

/**
 * The client's address: what Express derived through the trusted proxies (TRUST_PROXY), or
 * else the peer's. Whatever is not an IP address is never passed on as one.
 */
export function clientAddress(req: Request): string {
  if (req.ip !== undefined && isIP(req.ip) !== 0) return req.ip;
  const peer = req.socket.remoteAddress;
  return peer !== undefined && isIP(peer) !== 0 ? peer : 'unknown';
}

/** A handler for every operation of the contract: the compiler checks none is missing. */
export type ContractHandlers = { readonly [Op in OperationId]: RequestHandler };

export function createHandlers({ accounts, isReady }: HandlerDeps): ContractHandlers {
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
  };
}
