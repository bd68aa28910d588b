// Typed domain errors; src/http/error-handler.ts maps each one to the contract's response.

export abstract class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A field broke a rule the schema cannot express (e.g. a common password): 422. */
export class ValidationFailedError extends DomainError {
  constructor(
    readonly field: string,
    readonly msg: string,
    readonly type: string,
  ) {
    super(`${field}: ${msg}`);
  }
}

export class UsernameTakenError extends DomainError {
  constructor() {
    super('Username already exists');
  }
}

export class InvalidCredentialsError extends DomainError {
  constructor() {
    super('Incorrect username or password');
  }
}

export class UnsupportedGrantTypeError extends DomainError {
  constructor(readonly grantType: string) {
    super('Only the "password" grant type is supported');
  }
}

/** No credentials were presented (no Authorization header, or not a Bearer one). */
export class NotAuthenticatedError extends DomainError {
  constructor() {
    super('Not authenticated');
  }
}

/** A Bearer token was presented and refused; `reason` is for logs only, never for clients. */
export class InvalidTokenError extends DomainError {
  constructor(readonly reason: string) {
    super('Invalid token');
  }
}

export class TooManyAttemptsError extends DomainError {
  constructor(
    readonly retryAfterSeconds: number,
    readonly scope: 'login' | 'signup',
  ) {
    super(scope === 'login' ? 'Too many failed login attempts; try again later' : 'Too many sign-ups; try again later');
  }
}
