import { Injectable } from '@nestjs/common';
import type { PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { AuditService } from '../audit/audit.service';
import { AuthUser } from '../common/auth/auth-user';
import { Clock } from '../common/clock/clock';
import { SecurityNotifications } from '../mail/security-notifications';
import { AuthMetrics } from '../metrics/auth-metrics';
import { PasskeyRegisteredDto } from './dto/passkey.dto';
import { MfaError, MfaException } from './mfa.exception';
import { MfaRepository } from './mfa.repository';
import { MfaService } from './mfa.service';
import { PasskeyRepository } from './passkey.repository';
import { describePasskey } from './passkey.service';
import { CHALLENGE_TTL_MS, Refusal, RelyingParty } from './relying-party';

export const DEFAULT_PASSKEY_NAME = 'Passkey';

/**
 * `POST /webauthn/register/options` and `/register/verify`. A passkey is a second factor: the first one a
 * user adds turns 2FA on and issues the backup codes (`MfaService.addFactor`). Both routes need a recent
 * sign-in (`RecentSignInGuard`).
 */
@Injectable()
export class PasskeyRegistration {
  constructor(
    private readonly passkeys: PasskeyRepository,
    private readonly mfa: MfaRepository,
    private readonly mfaService: MfaService,
    private readonly rp: RelyingParty,
    private readonly audit: AuditService,
    private readonly notifications: SecurityNotifications,
    private readonly metrics: AuthMetrics,
    private readonly clock: Clock,
  ) {}

  /**
   * The options for `navigator.credentials.create()`: a challenge kept for 5 minutes for this user's
   * registration only, the user's passkeys excluded (an authenticator can't register twice).
   */
  async registrationOptions(user: AuthUser): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const state = await this.mfa.requireState(user.userId);
    const options = await this.rp.registrationOptions(
      { id: user.userId, email: state.email },
      await this.passkeys.listForUser(user.userId),
    );
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + CHALLENGE_TTL_MS);
    await this.passkeys.saveChallenge(options.challenge, 'registration', user.userId, now, expiresAt);
    return options;
  }

  /**
   * Verifies the authenticator's answer to a registration challenge of this user (challenge, origin, RP
   * ID, attestation) and stores the passkey. The challenge is used up by the attempt, right or wrong.
   * The first second factor comes with the backup codes, shown this once.
   */
  async register(user: AuthUser, response: RegistrationResponseJSON, name?: string): Promise<PasskeyRegisteredDto> {
    const state = await this.mfa.requireState(user.userId);
    const now = this.clock.now();
    const challenge = RelyingParty.challengeOf(response.response.clientDataJSON);
    if (!challenge || !(await this.passkeys.claimChallenge(challenge, 'registration', user.userId, now))) {
      return this.refuse(user.userId, 'challenge');
    }
    const check = await this.rp.verifyRegistration(response, challenge);
    if (!check.ok) return this.refuse(user.userId, check.refusal);
    const passkeyName = name?.trim() || DEFAULT_PASSKEY_NAME;
    const { stored, backupCodes } = await this.mfaService.addFactor(user, 'webauthn', async (manager, firstFactor) => {
      const inserted = await this.passkeys.insert(
        { ...check.passkey, userId: user.userId, name: passkeyName, createdAt: now },
        manager,
      );
      if (!inserted) {
        throw new MfaException(MfaError.PasskeyAlreadyRegistered, 'This passkey is registered already');
      }
      await this.audit.record(
        {
          type: 'webauthn.registered',
          userId: user.userId,
          details: { passkeyId: inserted.id, backedUp: inserted.backedUp, firstFactor },
        },
        manager,
      );
      return inserted;
    });
    this.metrics.webauthnRegistrations.inc({ result: 'success' });
    this.notifications.passkeyRegistered(state.email, passkeyName, backupCodes !== undefined);
    return { ...describePasskey(stored), ...(backupCodes ? { backupCodes } : {}) };
  }

  private async refuse(userId: string, reason: Refusal | 'challenge'): Promise<never> {
    this.metrics.webauthnRegistrations.inc({ result: 'failure' });
    await this.audit.record({ type: 'webauthn.registration_failed', userId, details: { reason } });
    if (reason === 'challenge') {
      throw new MfaException(
        MfaError.WebauthnChallengeInvalid,
        'The response answers no open registration challenge of yours: start again with POST /webauthn/register/options',
      );
    }
    throw new MfaException(
      MfaError.WebauthnVerificationFailed,
      `The passkey response does not verify (${reason}): register it from ${this.rp.config.origins.join(' or ')}`,
    );
  }
}
