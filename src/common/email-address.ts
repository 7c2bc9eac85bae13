import unhomoglyph from 'unhomoglyph';

/**
 * Characters no sign-in email may hold: controls, format characters (zero-width, bidi overrides and
 * isolates, soft hyphen), other default-ignorables (variation selectors, Hangul fillers), separators,
 * surrogates, private use and unassigned code points. All of them are invisible or change how the
 * text around them is shown, so an address with one can pass for another.
 */
const HIDDEN_CHARACTER = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Z}\p{Default_Ignorable_Code_Point}]/u;

export const HIDDEN_CHARACTER_MESSAGE = 'email must not contain invisible, control or direction-changing characters';

export function hasHiddenCharacter(email: string): boolean {
  return HIDDEN_CHARACTER.test(email);
}

/** The form an email is stored and looked up in: NFC, so a decomposed `é` finds the same account. */
export function canonicalEmail(email: string): string {
  return email.normalize('NFC');
}

const fold = (text: string) =>
  text
    .normalize('NFD')
    .replace(/\p{Default_Ignorable_Code_Point}/gu, '')
    .toLowerCase()
    .normalize('NFD');

/**
 * The confusable skeleton of Unicode TS #39 (NFD, default-ignorables removed, each character replaced
 * by its prototype from confusables.txt, NFD again), taken of the lower-cased email and lower-cased
 * once more, since emails are unique regardless of case: `rооt-admin` with Cyrillic `о` and
 * `Root-Admin` have the skeleton of `root-admin`. For comparison only, never shown.
 */
export function emailSkeleton(email: string): string {
  return fold(unhomoglyph(fold(email)));
}
