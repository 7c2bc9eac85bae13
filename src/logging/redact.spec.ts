import { QueryFailedError } from 'typeorm';
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

  it('keeps what failed in a query error but not the values it was given', () => {
    const driverError = Object.assign(new Error('duplicate key value violates unique constraint'), {
      code: '23505',
      detail: 'Key (email)=(a@example.com) already exists.',
    });
    const error = new QueryFailedError(
      'INSERT INTO users (email, password_hash) VALUES ($1, $2)',
      ['a@example.com', '$2b$12$hash'],
      driverError,
    );
    const redacted = redactSecrets({ err: error }) as { err: QueryFailedError & Record<string, unknown> };
    expect(redacted.err).toBeInstanceOf(QueryFailedError);
    expect(redacted.err.message).toBe(error.message);
    expect(redacted.err.stack).toBe(error.stack);
    expect(redacted.err.query).toBe('INSERT INTO users (email, password_hash) VALUES ($1, $2)');
    expect((redacted.err.driverError as unknown as Record<string, unknown>).code).toBe('23505');
    expect(JSON.stringify(redacted)).not.toMatch(/example\.com|\$2b\$/);
    expect(error.parameters).toEqual(['a@example.com', '$2b$12$hash']);
  });
});
