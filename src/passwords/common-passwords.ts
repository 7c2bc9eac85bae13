import { dictionary } from '@zxcvbn-ts/language-common';

/** The 10,000 most common passwords, from zxcvbn-ts's ranked list (most common first). */
const MOST_COMMON = 10_000;

let cached: ReadonlySet<string> | undefined;

export function commonPasswords(): ReadonlySet<string> {
  cached ??= new Set(dictionary['passwords-common'].slice(0, MOST_COMMON).map((p) => p.toLowerCase()));
  return cached;
}
