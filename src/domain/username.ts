// Usernames people can tell apart. A new name is prepared as RFC 8265 asks (width mapping,
// NFC; the key also case-folded), must consist of PVALID code points only (no invisible or
// default-ignorable characters, no compatibility forms), must satisfy the bidi rule and
// UTS #39's "highly restrictive" script profile, and must not look like an existing name
// (its confusable skeletons are unique).
import { RuleViolationError } from './errors';
import {
  firstDisallowed,
  foldCase,
  isHighlyRestrictive,
  mapWidth,
  satisfiesBidiRule,
  skeleton,
} from './unicode-identifier';

export const USERNAME_MIN_LENGTH = 3;
export const USERNAME_MAX_LENGTH = 64;
/** The same rule as the contract's Username schema, applied again after preparation. */
export const USERNAME_PATTERN = /^[\p{L}\p{Nd}._@-]+$/u;

export interface PreparedUsername {
  /** Width-mapped and NFC, case kept: what the user sees and what goes into `sub`. */
  readonly display: string;
  /** The display form case-folded: the lookup key, unique. */
  readonly key: string;
  /**
   * UTS #39 skeletons of the display form and of the key: a new name whose skeletons meet an
   * existing account's is taken ("аdmin" with a Cyrillic а looks like "admin"; "Ibob", like
   * "lbob", only before case folding).
   */
  readonly skeletons: readonly string[];
}

/** The display form of a name (RFC 8265 UsernameCasePreserved preparation). */
const displayForm = (raw: string): string => mapWidth(raw).normalize('NFC');

/** The lookup key of a name already prepared (e.g. a token's `sub`). */
export const usernameKey = (display: string): string => foldCase(display);

/** Prepares a new username and checks every rule; throws RuleViolationError naming the rule. */
export function prepareNewUsername(raw: string): PreparedUsername {
  const display = displayForm(raw);
  const key = usernameKey(display);
  const disallowed = firstDisallowed(display) ?? firstDisallowed(key);
  if (disallowed !== undefined) throw new RuleViolationError('username', 'username_character', undefined, disallowed);
  const length = [...display].length;
  if (
    length < USERNAME_MIN_LENGTH ||
    length > USERNAME_MAX_LENGTH ||
    !USERNAME_PATTERN.test(display) ||
    !satisfiesBidiRule(display)
  ) {
    throw new RuleViolationError('username', 'username_form');
  }
  if (!isHighlyRestrictive(display)) throw new RuleViolationError('username', 'username_mixed_script');
  return { display, key, skeletons: [...new Set([skeleton(display), skeleton(key)])] };
}

/**
 * The key a login looks up, or undefined when no account can have this name (it breaks the
 * rules every account's name was checked against): such logins share one throttle bucket
 * and verify the dummy hash.
 */
export function loginKey(raw: string): string | undefined {
  try {
    return prepareNewUsername(raw).key;
  } catch (err) {
    if (err instanceof RuleViolationError) return undefined;
    throw err;
  }
}
