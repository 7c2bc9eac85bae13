import { HttpStatus } from '@nestjs/common';
import { AuthError, AuthException } from './auth/auth.exception';
import { domainErrorStatus } from './common/filters/domain-error-status';
import { DomainException } from './common/filters/domain.exception';
import { DOMAIN_ERRORS } from './domain-errors';
import { FeatureFlagError, FeatureFlagException } from './feature-flags/feature-flag.exception';
import { MfaError, MfaException } from './mfa/mfa.exception';
import { SessionError, SessionException } from './session/session.exception';
import { PasswordError, PasswordException } from './passwords/password.exception';
import { UserError, UserException } from './users/user.exception';

/** Every module's code enum with the exception that carries it. */
const MODULES: [string, Record<string, string>, (code: string) => DomainException<string>][] = [
  ['AuthError', AuthError, (code) => new AuthException(code as AuthError, 'x')],
  ['MfaError', MfaError, (code) => new MfaException(code as MfaError, 'x')],
  ['SessionError', SessionError, (code) => new SessionException(code as SessionError, 'x')],
  ['FeatureFlagError', FeatureFlagError, (code) => new FeatureFlagException(code as FeatureFlagError, 'x')],
];

/** Codes that are not the client's fault: the password hasher's queue is full, retry later. */
const SERVER_SIDE: Record<string, HttpStatus> = { [PasswordError.Overloaded]: HttpStatus.SERVICE_UNAVAILABLE };

const cases = MODULES.flatMap(([name, codes, exceptionOf]) =>
  Object.values(codes).map((code) => [name, code, exceptionOf(code)] as const),
);

describe('domain error statuses', () => {
  it.each(cases.filter(([, code]) => !(code in SERVER_SIDE)))('answers %s.%s with a 4xx', (_name, _code, exception) => {
    const status = domainErrorStatus(DOMAIN_ERRORS, exception);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
  });

  it('answers an overloaded password hasher with 503, for the client to retry', () => {
    expect(domainErrorStatus(DOMAIN_ERRORS, new PasswordException(PasswordError.Overloaded, 'x'))).toBe(
      HttpStatus.SERVICE_UNAVAILABLE,
    );
  });

  it('maps a code by its module, so two modules may share a code', () => {
    expect(domainErrorStatus(DOMAIN_ERRORS, new UserException(UserError.UserNotFound, 'x'))).toBe(HttpStatus.NOT_FOUND);
    expect(domainErrorStatus(DOMAIN_ERRORS, new MfaException(MfaError.NotEnabled, 'x'))).toBe(HttpStatus.CONFLICT);
    expect(domainErrorStatus(DOMAIN_ERRORS, new SessionException(SessionError.Expired, 'x'))).toBe(
      HttpStatus.UNAUTHORIZED,
    );
  });

  it('leaves a domain exception no module listed unmapped, for the filter to answer 500', () => {
    class UnlistedException extends DomainException<'unlisted'> {}
    expect(domainErrorStatus(DOMAIN_ERRORS, new UnlistedException('unlisted', 'x'))).toBeUndefined();
  });
});
