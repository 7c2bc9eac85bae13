import { canonicalEmail, emailSkeleton, hasHiddenCharacter } from './email-address';

describe('email addresses', () => {
  it.each([
    ['zero-width space', 'ro\u200bot@example.com'],
    ['right-to-left override', 'root\u202e@example.com'],
    ['left-to-right isolate', '\u2066root@example.com'],
    ['soft hyphen', 'ro\u00adot@example.com'],
    ['byte order mark', 'ro\ufeffot@example.com'],
    ['Hangul filler', 'ro\u3164ot@example.com'],
    ['variation selector', 'ro\ufe0fot@example.com'],
    ['tab', 'ro\tot@example.com'],
    ['em space', 'ro\u2003ot@example.com'],
    ['lone surrogate', 'ro\ud800ot@example.com'],
    ['private use character', 'ro\ue000ot@example.com'],
  ])('finds a hidden character: %s', (_name, email) => {
    expect(hasHiddenCharacter(email)).toBe(true);
  });

  it.each(['root-admin@example.com', 'josé@example.com', 'иван@пример.рф', '用户@例子.中国', 'dörte+tag@exämple.de'])(
    'finds none in %s',
    (email) => {
      expect(hasHiddenCharacter(email)).toBe(false);
    },
  );

  it('stores the composed form of a decomposed character', () => {
    expect(canonicalEmail('jose\u0301@example.com')).toBe('jos\u00e9@example.com');
  });

  it.each([
    ['Cyrillic о', 'r\u043e\u043et-admin@example.com'],
    ['another case', 'Root-ADMIN@Example.com'],
    ['Cyrillic capitals', 'R\u041e\u041eT-ADMIN@example.com'],
    ['mathematical letters', '\ud835\udc2b\ud835\udc28\ud835\udc28\ud835\udc2d-admin@example.com'],
    ['rn for m', 'root-adrnin@example.com'],
    ['a zero-width joiner', 'root\u200d-admin@example.com'],
  ])('gives a look-alike the same skeleton: %s', (_name, lookAlike) => {
    expect(emailSkeleton(lookAlike)).toBe(emailSkeleton('root-admin@example.com'));
  });

  it.each([
    ['an accent', 'josé@example.com', 'jose@example.com'],
    ['another letter', 'root-admin@example.com', 'rood-admin@example.com'],
    ['a suffix', 'root-admin@example.com', 'root-admin2@example.com'],
  ])('keeps different addresses apart: %s', (_name, a, b) => {
    expect(emailSkeleton(a)).not.toBe(emailSkeleton(b));
  });

  it('gives the composed and decomposed forms one skeleton', () => {
    expect(emailSkeleton('jose\u0301@example.com')).toBe(emailSkeleton('jos\u00e9@example.com'));
  });
});
