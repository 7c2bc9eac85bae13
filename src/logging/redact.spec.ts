import { REDACTED, redactSecrets } from './redact';

describe('redactSecrets', () => {
  it('replaces secret-named fields at any depth and keeps the rest', () => {
    const input = {
      email: 'a@example.com',
      password: 'hunter2',
      body: { refreshToken: 'r', nested: [{ code: '123456', mfaToken: 'm', kept: 1 }] },
      headers: { authorization: 'Bearer x', cookie: 'a=b', 'set-cookie': 'c=d', 'x-csrf-token': 't' },
      secret: 'JBSWY3DP',
      backupCodes: ['aaaa-bbbb'],
    };
    expect(redactSecrets(input)).toEqual({
      email: 'a@example.com',
      password: REDACTED,
      body: { refreshToken: REDACTED, nested: [{ code: REDACTED, mfaToken: REDACTED, kept: 1 }] },
      headers: { authorization: REDACTED, cookie: REDACTED, 'set-cookie': REDACTED, 'x-csrf-token': REDACTED },
      secret: REDACTED,
      backupCodes: REDACTED,
    });
  });

  it('survives cycles', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    expect(redactSecrets(cyclic)).toEqual({ name: 'loop', self: '[truncated]' });
  });
});
