import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Aal } from '../common/auth/auth-user';
import { Clock } from '../common/clock/clock';
import { TrustedDevice } from '../devices/trusted-device.repository';
import { TrustedDevices } from '../devices/trusted-devices.service';
import { MfaChallengeRepository } from '../mfa/mfa-challenge.repository';
import { ReplayedStep } from '../mfa/mfa.service';
import { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { AuthError, AuthException } from './auth.exception';
import { LoginResponseDto } from './dto/login-response.dto';
import { LoginTokens } from './login-tokens.service';

/** Spends a single-use factor inside the sign-in's transaction. */
export type UseUp = (manager: EntityManager) => Promise<void>;

/**
 * What a sign-in asks of the device it comes from: to be remembered (`rememberDevice` on the second
 * factor), or nothing; a remembered device it came with is used (its token rotates).
 */
export type DeviceStep = { remember: true } | { use: TrustedDevice };

/** What every sign-in does once all its factors were checked: the session (and the device's token). */
@Injectable()
export class SignInService {
  constructor(
    private readonly users: UsersService,
    private readonly challenges: MfaChallengeRepository,
    private readonly loginTokens: LoginTokens,
    private readonly devices: TrustedDevices,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /**
   * Starts the session of a login whose factors all passed. The login stamp (the failure counter reset)
   * comes first: it locks the user's row, which serializes the user's sign-ins (the concurrent-session
   * limit counts on it) and which every transaction that also touches the challenge (account deletion
   * too) locks first, so they never deadlock; an account deleted meanwhile is refused with 401. With
   * 2FA, `challengeId` is the pending login: it is closed in the same transaction, so that only one
   * request completes it. `totpStep` is claimed by the login stamp itself, before the session starts, so a
   * replay is refused with nothing started (`ReplayedStep`); `useUp` runs after the session (see
   * `PendingSignIn.afterFirstFactor`). `device` remembers the device or rotates the token of the
   * remembered one it came with; a sign-in from a device that isn't remembered mails the user
   * (NEW_DEVICE_MAIL).
   */
  async complete(
    user: UserEntity,
    amr: string[],
    {
      challengeId,
      useUp,
      totpStep,
      device,
    }: { challengeId?: string; useUp?: UseUp; totpStep?: number; device?: DeviceStep } = {},
  ): Promise<LoginResponseDto> {
    const now = this.clock.now();
    const aal: Aal = amr.length > 1 ? 'aal2' : 'aal1';
    // The flag is read before the transaction: it may need a connection of its own.
    const remember = device !== undefined && !('use' in device) && (await this.devices.enabledFor(user));
    const signedIn = await this.dataSource.transaction(async (manager) => {
      const stamp = await this.users.recordSuccessfulLogin(user.id, now, manager, totpStep);
      // Deleted while this sign-in waited for the lock: nothing starts for a scrubbed account.
      if (stamp === 'gone') throw new AuthException(AuthError.InvalidCredentials, 'The account no longer exists');
      if (stamp === 'replayed') throw new ReplayedStep();
      const { response, scope } = await this.loginTokens.open(user, { aal, amr }, now, manager);
      const sessionId = response.sessionId as string;
      if (device && 'use' in device) response.deviceToken = await this.devices.use(device.use, sessionId, manager);
      if (remember) response.deviceToken = await this.devices.remember(user.id, sessionId, manager);
      await useUp?.(manager);
      if (challengeId !== undefined && !(await this.challenges.close(challengeId, user.id, now, manager))) {
        throw new AuthException(AuthError.InvalidMfaToken, 'The sign-in was already completed; log in again');
      }
      await this.audit.record(
        { type: 'login.succeeded', userId: user.id, details: { amr, aal, scope, sessionId: response.sessionId } },
        manager,
      );
      return response;
    });
    if (!device || !('use' in device)) await this.devices.noticeNewDevice(user);
    return signedIn;
  }
}
