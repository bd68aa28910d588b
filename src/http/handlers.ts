// One thin handler per operationId in openapi.yaml: unpack the request, call the domain,
// shape the response. Bodies are typed from the contract; errors go to error-handler.ts.
import { isIP } from 'node:net';
import type { Request, RequestHandler, Response } from 'express';
import type { AccountService, Principal } from '../domain/account-service';
import type { ClientInfo, IssuedTokens, SessionService } from '../domain/session-service';
import { bearerToken } from './bearer';
import { JWKS_MAX_AGE_SECONDS, type Discovery } from './discovery';
import { pathParams, reply, replyEmpty, requestBody, type OperationId } from './contract/typed-io';

export interface HandlerDeps {
  readonly accounts: AccountService;
  readonly sessions: SessionService;
  /** Resolves true when the service can take traffic (store reachable, not draining). */
  readonly isReady: () => Promise<boolean>;
  readonly discovery: Discovery;
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

/** The client as a session records it: its address and User-Agent. */
const clientInfo = (req: Request): ClientInfo => ({
  address: clientAddress(req),
  userAgent: req.headers['user-agent'],
});

/** RFC 6749 §5.1: both grants answer the same shape, the seed's fields first. */
const tokenResponse = (issued: IssuedTokens) =>
  ({
    access_token: issued.accessToken,
    token_type: 'bearer',
    expires_in: issued.expiresIn,
    refresh_token: issued.refreshToken,
  }) as const;

/** A handler for every operation of the contract: the compiler checks none is missing. */
export type ContractHandlers = { readonly [Op in OperationId]: RequestHandler };

/**
 * Public, cacheable documents (the API's default is no-store): any origin may read them, as
 * browsers and resource servers anywhere need to.
 */
function publicDocument(res: Response, maxAgeSeconds: number): void {
  res.setHeader('Cache-Control', `public, max-age=${maxAgeSeconds}`);
  res.removeHeader('Pragma');
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
}

export function createHandlers({ accounts, sessions, isReady, discovery }: HandlerDeps): ContractHandlers {
  const caller = (req: Request): Promise<Principal> => accounts.authenticate(bearerToken(req.headers.authorization));

  return {
    signup: async (req, res) => {
      const { username, password } = requestBody(req, 'signup');
      await accounts.signup(username, password, clientAddress(req));
      reply(res, 'signup', 200, { message: 'User created successfully' });
    },

    issueToken: async (req, res) => {
      // The contract has checked the body is one grant: grant_type refresh_token, or else
      // password (RFC 6749 §4.3.2 requires grant_type; the tutorial's clients omit it).
      const grant = requestBody(req, 'issueToken');
      const issued =
        grant.grant_type === 'refresh_token'
          ? await sessions.refresh(grant.refresh_token, clientInfo(req))
          : await accounts.login(grant.username, grant.password, clientInfo(req));
      reply(res, 'issueToken', 200, tokenResponse(issued));
    },

    revokeToken: async (req, res) => {
      await accounts.revoke(requestBody(req, 'revokeToken').token);
      reply(res, 'revokeToken', 200, {});
    },

    logout: async (req, res) => {
      const { user, sessionId } = await caller(req);
      await sessions.endCurrent(user, sessionId);
      replyEmpty(res, 'logout', 204);
    },

    logoutAll: async (req, res) => {
      const { user } = await caller(req);
      await sessions.endAll(user, 'logout_all');
      replyEmpty(res, 'logoutAll', 204);
    },

    listSessions: async (req, res) => {
      const { user, sessionId } = await caller(req);
      const live = await sessions.list(user);
      reply(res, 'listSessions', 200, {
        sessions: live.map((s) => ({
          id: s.id,
          created_at: s.createdAt.toISOString(),
          last_used_at: s.lastUsedAt.toISOString(),
          client_address: s.clientAddress,
          user_agent: s.userAgent ?? null,
          current: s.id === sessionId,
        })),
      });
    },

    endSession: async (req, res) => {
      const { user } = await caller(req);
      await sessions.endOwn(user, pathParams(req, 'endSession').id, 'ended_by_user');
      replyEmpty(res, 'endSession', 204);
    },

    changePassword: async (req, res) => {
      const principal = await caller(req);
      const { current_password: current, new_password: next } = requestBody(req, 'changePassword');
      await accounts.changePassword(principal, current, next, clientAddress(req));
      replyEmpty(res, 'changePassword', 204);
    },

    getProtected: async (req, res) => {
      const { user } = await caller(req);
      reply(res, 'getProtected', 200, { message: `Hello ${user.username}! This is a protected route` });
    },

    getCurrentUser: async (req, res) => {
      const { user } = await caller(req);
      reply(res, 'getCurrentUser', 200, { username: user.username, created_at: user.createdAt.toISOString() });
    },

    deleteCurrentUser: async (req, res) => {
      const principal = await caller(req);
      const { current_password: current } = requestBody(req, 'deleteCurrentUser');
      await accounts.deleteAccount(principal, current, clientAddress(req));
      replyEmpty(res, 'deleteCurrentUser', 204);
    },

    getJwks: (_req, res) => {
      publicDocument(res, JWKS_MAX_AGE_SECONDS);
      reply(res, 'getJwks', 200, discovery.jwks());
    },

    getAuthorizationServerMetadata: (_req, res) => {
      publicDocument(res, 3600);
      reply(res, 'getAuthorizationServerMetadata', 200, discovery.metadata);
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
