import { keyIdOf, SecretCipher } from './secret-cipher';

const OLD = '11'.repeat(32);
const CURRENT = '22'.repeat(32);

describe('SecretCipher', () => {
  it('round-trips, with a fresh IV each time, and names the key', () => {
    const cipher = new SecretCipher(CURRENT);
    const a = cipher.encrypt('JBSWY3DPEHPK3PXP');
    const b = cipher.encrypt('JBSWY3DPEHPK3PXP');
    expect(a).not.toBe(b);
    expect(a).not.toContain('JBSWY3DPEHPK3PXP');
    expect(cipher.keyIdOf(a)).toBe(keyIdOf(CURRENT));
    expect(cipher.decrypt(a)).toBe('JBSWY3DPEHPK3PXP');
  });

  it('still decrypts values written under an old key after a rotation', () => {
    const before = new SecretCipher(OLD).encrypt('secret-before-rotation');
    const rotated = new SecretCipher(CURRENT, [OLD]);
    expect(rotated.decrypt(before)).toBe('secret-before-rotation');
    expect(rotated.keyIdOf(rotated.encrypt('x'))).toBe(keyIdOf(CURRENT));
    expect(() => new SecretCipher(CURRENT).decrypt(before)).toThrow(/unknown format or key/);
  });

  it('refuses a tampered ciphertext', () => {
    const cipher = new SecretCipher(CURRENT);
    const parts = cipher.encrypt('JBSWY3DPEHPK3PXP').split(':');
    parts[4] = Buffer.from('AAAAAAAAAAAAAAAA').toString('base64url');
    expect(() => cipher.decrypt(parts.join(':'))).toThrow();
  });
});
