import { TOTP as ReferenceTotp, Secret } from 'otpauth';
import { Totp } from './totp';

/** RFC 4226 appendix D: the ASCII secret "12345678901234567890" (here in base32) and its codes for counters 0-9. */
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const RFC_CODES = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];

describe('Totp against the RFC 4226 test vectors', () => {
  it.each(RFC_CODES.map((code, counter) => [counter, code]))('time step %i has code %s', (counter, code) => {
    const now = new Date(Number(counter) * 30_000 + 10_000);
    expect(Totp.matchingStep(RFC_SECRET, String(code), now)).toBe(counter);
    expect(Totp.matchingStep(RFC_SECRET, String(code), new Date(now.getTime() + 30_000))).toBe(counter);
    expect(Totp.matchingStep(RFC_SECRET, String(code), new Date(now.getTime() + 60_000))).toBeUndefined();
  });
});

describe('Totp', () => {
  const secret = Totp.generateSecret();
  const now = new Date('2026-05-01T12:00:10Z');
  const reference = new ReferenceTotp({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' });
  const codeAt = (time: Date) => reference.generate({ timestamp: time.getTime() });

  it('makes 20-byte base32 secrets', () => {
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  });

  it('accepts the current code and one step either side, naming the step', () => {
    const step = Totp.stepAt(now);
    expect(Totp.matchingStep(secret, codeAt(now), now)).toBe(step);
    expect(Totp.matchingStep(secret, codeAt(new Date(now.getTime() - 30_000)), now)).toBe(step - 1);
    expect(Totp.matchingStep(secret, codeAt(new Date(now.getTime() + 30_000)), now)).toBe(step + 1);
    expect(Totp.matchingStep(secret, codeAt(new Date(now.getTime() - 60_000)), now)).toBeUndefined();
  });

  it('refuses anything but exactly six ASCII digits, even when the number matches', () => {
    const code = codeAt(now);
    for (const variant of [`${code} `, ` ${code}`, `+${code.slice(1)}`, `${code.slice(0, 5)}x`, `${code}0`, '١٢٣٤٥٦']) {
      expect(Totp.matchingStep(secret, variant, now)).toBeUndefined();
    }
    expect(Totp.isWellFormed(code)).toBe(true);
    expect(Totp.isWellFormed('12345')).toBe(false);
  });

  it('builds the otpauth URL authenticator apps expect', () => {
    const url = new URL(Totp.otpauthUrl('JBSWY3DPEHPK3PXP', 'Twofold', 'ana@example.com'));
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    expect(decodeURIComponent(url.pathname)).toBe('/Twofold:ana@example.com');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      secret: 'JBSWY3DPEHPK3PXP',
      issuer: 'Twofold',
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
  });
});
