import { HOTP, Secret } from 'otpauth';

export const TOTP_STEP_SECONDS = 30;
export const TOTP_DIGITS = 6;
const SECRET_BYTES = 20;
/** One step either side of now: tolerates 30 s of clock drift. */
const WINDOW = 1;
const CODE = /^\d{6}$/;

/**
 * The only place that touches the TOTP library (otpauth, RFC 4226/6238 with node:crypto's HMAC). Codes
 * are held to exactly six ASCII digits before it sees them, and the step a code matched is named, so
 * that the caller can refuse a step used before.
 */
export const Totp = {
  generateSecret(): string {
    return new Secret({ size: SECRET_BYTES }).base32;
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
    const delta = HOTP.validate({
      token: code,
      secret: Secret.fromBase32(secret),
      algorithm: 'SHA1',
      digits: TOTP_DIGITS,
      counter: current,
      window: WINDOW,
    });
    return delta === null ? undefined : current + delta;
  },
};
