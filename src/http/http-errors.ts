// Errors of the HTTP and OAuth layers, raised by handlers before the domain is reached.

/** No credentials were presented (no Authorization header, or not a Bearer one): RFC 6750 §3.1. */
export class NotAuthenticatedError extends Error {
  readonly code = 'ERR_NOT_AUTHENTICATED';
  override readonly name = 'NotAuthenticatedError';

  constructor() {
    super('no Bearer credentials');
  }
}
