// NIST SP 800-63B §3.1.1.2 / OWASP ASVS 5.0 §6.2: length is the only composition rule; known
// common passwords are refused. Passwords are NFKC-normalised before any check or hash, so
// the same password typed on two keyboards is the same password.
import { RuleViolationError, type CredentialField } from './errors';

export const PASSWORD_MAX_LENGTH = 256;

export interface PasswordPolicyOptions {
  readonly minLength: number;
  /** Lower-case passwords to refuse (the shipped list has ~49 000 entries). */
  readonly commonPasswords: Iterable<string>;
}

export function normalizePassword(raw: string): string {
  return raw.normalize('NFKC');
}

/** The normalised form of each list, computed once per list however many policies use it. */
const normalisedLists = new WeakMap<object, ReadonlySet<string>>();

function normalisedList(list: Iterable<string>): ReadonlySet<string> {
  let set = normalisedLists.get(list);
  if (!set) {
    set = new Set([...list].map((p) => p.normalize('NFKC').toLowerCase()));
    normalisedLists.set(list, set);
  }
  return set;
}

export class PasswordPolicy {
  private readonly common: ReadonlySet<string>;

  constructor(private readonly options: PasswordPolicyOptions) {
    this.common = normalisedList(options.commonPasswords);
  }

  get commonPasswordCount(): number {
    return this.common.size;
  }

  /** Throws RuleViolationError, naming `field`, for the first rule `password` breaks. */
  check(password: string, usernameKey: string, field: CredentialField = 'password'): void {
    const normalized = normalizePassword(password);
    const length = [...normalized].length;
    if (length < this.options.minLength) {
      throw new RuleViolationError(field, 'min_length', this.options.minLength);
    }
    if (length > PASSWORD_MAX_LENGTH) throw new RuleViolationError(field, 'max_length', PASSWORD_MAX_LENGTH);
    const folded = normalized.toLowerCase();
    if (this.common.has(folded)) throw new RuleViolationError(field, 'common');
    if (folded === usernameKey) throw new RuleViolationError(field, 'equals_username');
  }
}
