import { commonPasswords } from './common-passwords';
import { passwordProblems } from './password-policy';

const STRICT = { minLength: 8, requireClasses: true };

describe('passwordProblems', () => {
  it('accepts a long, mixed, uncommon password', () => {
    expect(passwordProblems('Tr4vel-Mango-91!', 'ana@example.com', STRICT)).toEqual([]);
  });

  it('lists every reason at once', () => {
    expect(passwordProblems('qwerty', 'ana@example.com', STRICT)).toEqual([
      'password must be at least 8 characters',
      'password must contain an upper-case letter',
      'password must contain a digit',
      'password must contain a special character',
      'password is too common',
    ]);
  });

  it('refuses the most common passwords whatever their case', () => {
    expect(commonPasswords().size).toBe(10_000);
    expect(passwordProblems('PASSWORD', 'x@example.com', { minLength: 8, requireClasses: false })).toEqual([
      'password is too common',
    ]);
  });

  it('refuses a password containing the local part of the email', () => {
    expect(passwordProblems('Xx1!anastasia99', 'Anastasia@example.com', STRICT)).toEqual([
      'password must not contain your email name',
    ]);
  });

  it('counts characters, not bytes, and caps the length at 128', () => {
    expect(passwordProblems('Ää1!ÖöÜü', 'x@example.com', STRICT)).toEqual([]);
    expect(passwordProblems(`Aa1!${'x'.repeat(125)}`, 'y@example.com', STRICT)).toEqual([
      'password must be at most 128 characters',
    ]);
  });

  it('skips the character classes when they are not required', () => {
    expect(
      passwordProblems('correct horse battery staple', 'z@example.com', { minLength: 8, requireClasses: false }),
    ).toEqual([]);
  });
});
