import { createHash, randomInt } from 'node:crypto';

/** Crockford's base32 alphabet: no I, L, O or U, so codes are easy to read and type. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const GROUPS = 3;
const GROUP_LENGTH = 4;
export const BACKUP_CODE_COUNT = 10;
/** 12 characters of 5 bits each: 60 bits per code. */
export const BACKUP_CODE_BITS = GROUPS * GROUP_LENGTH * 5;

export const BackupCodes = {
  /** Ten fresh codes like `7K2M-QX9D-4TRB`. */
  generate(): string[] {
    return Array.from({ length: BACKUP_CODE_COUNT }, () =>
      Array.from({ length: GROUPS }, () =>
        Array.from({ length: GROUP_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join(''),
      ).join('-'),
    );
  },

  /** Upper-case, dashes and spaces dropped, and the letters people confuse mapped as Crockford does. */
  normalize(code: string): string | undefined {
    const cleaned = code.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
    return new RegExp(`^[${ALPHABET}]{${GROUPS * GROUP_LENGTH}}$`).test(cleaned) ? cleaned : undefined;
  },

  /**
   * Stored form: SHA-256 over the user id and the normalized code. With 60 random bits per code a slow
   * hash adds nothing an attacker can't outspend, and a fast one keeps checking well under 50 ms.
   */
  hash(userId: string, normalized: string): string {
    return createHash('sha256').update(`${userId}:${normalized}`).digest('hex');
  },
};
