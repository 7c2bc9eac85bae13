import * as speakeasy from 'speakeasy';

export const TOTP_STEP_SECONDS = 30;
export const TOTP_DIGITS = 6;
const SECRET_BYTES = 20;
/** One step either side of now: tolerates 30 s of clock drift. */
const WINDOW = 1;
const CODE = /^\d{6}$/;

/**
 * The only place that touches speakeasy. Its `verify` compares parseInt() values, so "12345x",
 * " 123456" or "+12345" would pass: codes are held to exactly six ASCII digits first. Its default
 * encoding is ASCII: base32 is passed everywhere.
 */
export const Totp = {
  generateSecret(): string {
    return speakeasy.generateSecret({ length: SECRET_BYTES }).base32;
  },

  otpauthUrl(secret: string, issuer: string, account: string): string {
    const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
    const params = new URLSearchParams({
      secret,
      issuer,
      algorithm: 'SHA1',
      digits: String(TOTP_DIGITS),
      period: String(TOTP_STEP_SECONDS),
    });
    return `otpauth://totp/${label}?${params.toString()}`;
  },

  isWellFormed(code: string): boolean {
    return CODE.test(code);
  },

  stepAt(time: Date): number {
    return Math.floor(time.getTime() / 1000 / TOTP_STEP_SECONDS);
  },

  /** The time step the code belongs to (within the window around `now`), or undefined. */
  matchingStep(secret: string, code: string, now: Date): number | undefined {
    if (!CODE.test(code)) return undefined;
    const current = Totp.stepAt(now);
    for (let offset = -WINDOW; offset <= WINDOW; offset++) {
      const step = current + offset;
      const expected = speakeasy.totp({
        secret,
        encoding: 'base32',
        algorithm: 'sha1',
        digits: TOTP_DIGITS,
        step: TOTP_STEP_SECONDS,
        time: step * TOTP_STEP_SECONDS,
      });
      if (expected === code) return step;
    }
    return undefined;
  },
};
