import * as speakeasy from 'speakeasy';
import { TOTP as ReferenceTotp, Secret } from 'otpauth';
import { Totp } from './totp';

/** RFC 6238 appendix B and RFC 4226 appendix D use this ASCII secret. */
const RFC_SECRET_ASCII = '12345678901234567890';

describe('speakeasy against the RFC test vectors', () => {
  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ])('RFC 6238 SHA1 at t=%i gives %s', (time, expected) => {
    expect(speakeasy.totp({ secret: RFC_SECRET_ASCII, encoding: 'ascii', time, digits: 8, algorithm: 'sha1' })).toBe(
      expected,
    );
  });

  it('RFC 4226 HOTP counters 0-9', () => {
    const codes = Array.from({ length: 10 }, (_, counter) =>
      speakeasy.hotp({ secret: RFC_SECRET_ASCII, encoding: 'ascii', counter, digits: 6 }),
    );
    expect(codes).toEqual([
      '755224',
      '287082',
      '359152',
      '969429',
      '338314',
      '254676',
      '287922',
      '162583',
      '399871',
      '520489',
    ]);
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
