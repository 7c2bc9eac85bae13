import { Clock } from '../common/clock/clock';
import { MfaService } from '../mfa/mfa.service';
import { SessionError, SessionException } from '../session/session.exception';
import { AccountLockout } from './account-lockout.service';
import { PasswordHasher } from '../passwords/password-hasher.service';
import { ProofService } from './proof.service';
import { UsersService } from '../users/users.service';

describe('ProofService', () => {
  it('answers a caller whose account was deleted after the guard as an ended session, checking nothing', async () => {
    const users = { findActiveById: jest.fn().mockResolvedValue(null) } as unknown as jest.Mocked<UsersService>;
    const hasher = { verify: jest.fn() } as unknown as jest.Mocked<PasswordHasher>;
    const mfa = { consumeSecondFactor: jest.fn() } as unknown as jest.Mocked<MfaService>;
    const lockout = { assertNotLocked: jest.fn(), fail: jest.fn() } as unknown as jest.Mocked<AccountLockout>;
    const clock: Clock = { now: () => new Date('2026-01-01T00:00:00Z') };
    const proof = new ProofService(users, hasher, mfa, lockout, clock);

    const refusal = proof.prove('1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b', 'account_deletion', {
      password: 'Str0ng!Passw0rd-42',
      code: '123456',
    });

    await expect(refusal).rejects.toBeInstanceOf(SessionException);
    await expect(refusal).rejects.toMatchObject({ code: SessionError.Expired });
    expect(hasher.verify).not.toHaveBeenCalled();
    expect(mfa.consumeSecondFactor).not.toHaveBeenCalled();
    expect(lockout.fail).not.toHaveBeenCalled();
  });
});
