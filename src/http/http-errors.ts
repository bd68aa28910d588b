// Errors of the HTTP and OAuth layers, raised by handlers and the contract layer before the domain is reached.

/**
 * Why no Bearer credentials were found: no Authorization header (or an empty one), a scheme
 * other than Bearer, or the Bearer scheme with no token after it.
 */
export type MissingCredentialsReason = 'no_header' | 'not_bearer' | 'no_token';

/** No credentials were presented (no Authorization header, or not a Bearer one): RFC 6750 §3.1. */
export class NotAuthenticatedError extends Error {
  readonly code = 'ERR_NOT_AUTHENTICATED';
  override readonly name = 'NotAuthenticatedError';

  constructor(readonly reason: MissingCredentialsReason = 'no_header') {
    super(`no Bearer credentials: ${reason}`);
  }
}

/** The body is in a media type the operation does not accept; `accepted` lists the contract's, in its order. */
export class UnsupportedMediaTypeError extends Error {
  readonly code = 'ERR_UNSUPPORTED_MEDIA_TYPE';
  override readonly name = 'UnsupportedMediaTypeError';

  constructor(readonly accepted: readonly string[]) {
    super(`unsupported media type; the operation accepts ${accepted.join(', ') || 'no body'}`);
  }
}
