// Unicode rules for identifiers people must be able to tell apart: RFC 8264/8265 (PRECIS
// IdentifierClass, width mapping, case mapping, the RFC 5893 bidi rule) and UTS #39 (the
// "highly restrictive" script profile and the confusable skeleton). Character properties come
// from V8's regular expressions (Node 20: Unicode 15.1+); Bidi_Class from bidi-js, which V8
// does not expose; the confusables from unhomoglyph's copy of UTS #39 confusables.txt.
import bidiFactory from 'bidi-js';
import confusables from 'unhomoglyph/data.json';

const bidi = bidiFactory();
const PROTOTYPES = new Map<string, string>(Object.entries(confusables as Record<string, string>));

/** RFC 8264 §9: what a code point may be in an IdentifierClass string. */
export type PrecisClass = 'PVALID' | 'CONTEXTJ' | 'CONTEXTO' | 'DISALLOWED' | 'ID_DIS' | 'UNASSIGNED';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
// RFC 5892 §2.6 Exceptions.
const EXCEPTION_PVALID = new Set([0xdf, 0x3c2, 0x6fd, 0x6fe, 0xf0b, 0x3007]);
const EXCEPTION_CONTEXTO = new Set([0xb7, 0x375, 0x5f3, 0x5f4, 0x30fb, ...range(0x660, 0x669), ...range(0x6f0, 0x6f9)]);
const EXCEPTION_DISALLOWED = new Set([0x640, 0x7fa, 0x302e, 0x302f, ...range(0x3031, 0x3035), 0x303b]);

const IS = {
  unassigned: /^\p{Cn}$/u,
  noncharacter: /^\p{Noncharacter_Code_Point}$/u,
  ascii7: /^[\x21-\x7e]$/u,
  joinControl: /^\p{Join_Control}$/u,
  oldHangulJamo: /^[\u1100-\u11ff\ua960-\ua97f\ud7b0-\ud7ff]$/u,
  ignorable: /^[\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}]$/u,
  control: /^\p{Cc}$/u,
  letterOrDigit: /^[\p{Ll}\p{Lu}\p{Lo}\p{Nd}\p{Lm}\p{Mn}\p{Mc}]$/u,
};

/** RFC 8264 §9, in its order of precedence. */
export function precisClass(char: string): PrecisClass {
  const cp = char.codePointAt(0) ?? 0;
  if (EXCEPTION_PVALID.has(cp)) return 'PVALID';
  if (EXCEPTION_CONTEXTO.has(cp)) return 'CONTEXTO';
  if (EXCEPTION_DISALLOWED.has(cp)) return 'DISALLOWED';
  if (IS.unassigned.test(char) && !IS.noncharacter.test(char)) return 'UNASSIGNED';
  if (IS.ascii7.test(char)) return 'PVALID';
  if (IS.joinControl.test(char)) return 'CONTEXTJ';
  if (IS.oldHangulJamo.test(char)) return 'DISALLOWED';
  // Hangul fillers (U+3164, U+FFA0), zero-width characters, word joiners, BOM...
  if (IS.ignorable.test(char)) return 'DISALLOWED';
  if (IS.control.test(char)) return 'DISALLOWED';
  // HasCompat: a character NFKC would change (ligatures, circled letters, superscripts...).
  if (char.normalize('NFKC') !== char) return 'ID_DIS';
  if (IS.letterOrDigit.test(char)) return 'PVALID';
  return 'ID_DIS';
}

/** RFC 8265 §3.3.1 width mapping: full-width and half-width forms to their decompositions. */
export const mapWidth = (s: string): string => s.replace(/[\u3000\uff01-\uffee]/gu, (c) => c.normalize('NFKC'));

/**
 * Full case folding, as the reading of RFC 8265 asks: lower, upper, lower again maps
 * "ß" to "ss" and final sigma to sigma, as Unicode's CaseFolding F+C does.
 */
export const foldCase = (s: string): string => s.toLowerCase().toUpperCase().toLowerCase().normalize('NFC');

/** The first code point of `s` that is not PVALID (CONTEXTJ/CONTEXTO are refused too), or undefined. */
export function firstDisallowed(s: string): string | undefined {
  return [...s].find((c) => precisClass(c) !== 'PVALID');
}

/** RFC 5893 §2, applied to strings that hold right-to-left characters. */
export function satisfiesBidiRule(s: string): boolean {
  const types = [...s].map((c) => bidi.getBidiCharTypeName(c));
  if (!types.some((t) => t === 'R' || t === 'AL' || t === 'AN')) return true;
  if (types[0] !== 'R' && types[0] !== 'AL') return false;
  const allowed = new Set(['R', 'AL', 'AN', 'EN', 'ES', 'CS', 'ET', 'ON', 'BN', 'NSM']);
  if (!types.every((t) => allowed.has(t))) return false;
  let last = types.length - 1;
  while (last > 0 && types[last] === 'NSM') last -= 1;
  if (!['R', 'AL', 'EN', 'AN'].includes(types[last] ?? '')) return false;
  return !(types.includes('EN') && types.includes('AN'));
}

/** UAX #31 Table 7, recommended scripts: a name in any other script is refused. */
const RECOMMENDED_SCRIPTS = [
  'Arabic',
  'Armenian',
  'Bengali',
  'Bopomofo',
  'Cyrillic',
  'Devanagari',
  'Ethiopic',
  'Georgian',
  'Greek',
  'Gujarati',
  'Gurmukhi',
  'Han',
  'Hangul',
  'Hebrew',
  'Hiragana',
  'Kannada',
  'Katakana',
  'Khmer',
  'Lao',
  'Latin',
  'Malayalam',
  'Myanmar',
  'Oriya',
  'Sinhala',
  'Tamil',
  'Telugu',
  'Thaana',
  'Thai',
  'Tibetan',
];
const SCRIPT_TESTS = RECOMMENDED_SCRIPTS.map((name) => [name, new RegExp(`^\\p{scx=${name}}$`, 'u')] as const);
const COMMON_OR_INHERITED = /^[\p{scx=Zyyy}\p{scx=Zinh}]$/u;
/** UTS #39 §5.2: the only mixtures "highly restrictive" allows. */
const ALLOWED_MIXTURES = [
  ['Latin', 'Han', 'Hiragana', 'Katakana'],
  ['Latin', 'Han', 'Bopomofo'],
  ['Latin', 'Han', 'Hangul'],
];

/** UTS #39 §5.1 augmented script set of one character; undefined for Common/Inherited. */
function scriptSet(char: string): Set<string> | undefined {
  if (COMMON_OR_INHERITED.test(char)) return undefined;
  const set = new Set(SCRIPT_TESTS.filter(([, test]) => test.test(char)).map(([name]) => name));
  if (set.has('Han')) for (const s of ['Hanb', 'Jpan', 'Kore']) set.add(s);
  if (set.has('Hiragana') || set.has('Katakana')) set.add('Jpan');
  if (set.has('Hangul')) set.add('Kore');
  if (set.has('Bopomofo')) set.add('Hanb');
  return set;
}

/**
 * UTS #39 §5.2 "Highly Restrictive": every character in recommended scripts, and all of them
 * in one script, or in one of the Latin + Han + Japanese/Chinese/Korean mixtures.
 */
export function isHighlyRestrictive(s: string): boolean {
  const sets = [...s].map(scriptSet).filter((set): set is Set<string> => set !== undefined);
  if (sets.some((set) => set.size === 0)) return false;
  let resolved: Set<string> | undefined;
  for (const set of sets) resolved = resolved ? new Set([...resolved].filter((x) => set.has(x))) : new Set(set);
  if (!resolved || resolved.size > 0) return true;
  return ALLOWED_MIXTURES.some((mixture) => sets.every((set) => mixture.some((script) => set.has(script))));
}

/**
 * UTS #39 §4 skeleton: NFD, default-ignorables removed, each character replaced by its
 * confusable prototype, NFD again. Two strings with one skeleton look alike.
 */
export function skeleton(s: string): string {
  let out = '';
  for (const c of s.normalize('NFD').replace(/\p{Default_Ignorable_Code_Point}/gu, '')) out += PROTOTYPES.get(c) ?? c;
  return out.normalize('NFD');
}
