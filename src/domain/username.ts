import { RuleViolationError } from './errors';

export const USERNAME_MIN_LENGTH = 3;
export const USERNAME_MAX_LENGTH = 64;
/** The same rule as the contract's Username schema, applied again after normalisation. */
export const USERNAME_PATTERN = /^[\p{L}\p{Nd}._@-]+$/u;

export interface NormalizedUsername {
  /** NFKC form: what the user sees and what goes into `sub`. */
  readonly display: string;
  /** NFKC + case-folded: the uniqueness and lookup key. */
  readonly key: string;
}

/**
 * NFKC first (so "ｌｉｃａｔ" and "licat" are one name), then lower-case for the key; the
 * NFKC of the lower-cased form covers the few characters whose case mapping is not NFKC-stable.
 */
export function normalizeUsername(raw: string): NormalizedUsername {
  const display = raw.normalize('NFKC');
  const key = display.toLowerCase().normalize('NFKC');
  return { display, key };
}

/** Normalises a username for sign-up and checks it still satisfies the contract's rule. */
export function parseNewUsername(raw: string): NormalizedUsername {
  const name = normalizeUsername(raw);
  const length = [...name.display].length;
  if (length < USERNAME_MIN_LENGTH || length > USERNAME_MAX_LENGTH || !USERNAME_PATTERN.test(name.display)) {
    throw new RuleViolationError('username', 'username_form');
  }
  return name;
}
