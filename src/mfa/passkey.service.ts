import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { SecurityNotifications } from '../mail/security-notifications';
import { AuthMetrics } from '../metrics/auth-metrics';
import { PasskeyDto } from './dto/passkey.dto';
import { MfaError, MfaException } from './mfa.exception';
import { MfaRepository } from './mfa.repository';
import { PasskeyRepository, StoredPasskey } from './passkey.repository';

/** What its owner sees of a passkey: never the public key or the counter. */
export function describePasskey(passkey: StoredPasskey): PasskeyDto {
  return {
    id: passkey.id,
    name: passkey.name,
    createdAt: passkey.createdAt,
    lastUsedAt: passkey.lastUsedAt,
    backedUp: passkey.backedUp,
    transports: passkey.transports,
  };
}

/** Listing, renaming and removing one's passkeys (removal after the proof, `ProofService`). */
@Injectable()
export class PasskeyService implements OnModuleInit {
  constructor(
    private readonly passkeys: PasskeyRepository,
    private readonly mfa: MfaRepository,
    private readonly audit: AuditService,
    private readonly notifications: SecurityNotifications,
    private readonly metrics: AuthMetrics,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    this.metrics.countPasskeyUsersWith(() => this.passkeys.countUsersWithPasskeys());
  }

  async list(userId: string): Promise<PasskeyDto[]> {
    return (await this.passkeys.listForUser(userId)).map(describePasskey);
  }

  countUsersWithPasskeys(): Promise<number> {
    return this.passkeys.countUsersWithPasskeys();
  }

  async rename(userId: string, id: string, name: string): Promise<PasskeyDto> {
    const renamed = await this.passkeys.rename(userId, id, name.trim());
    if (!renamed) throw new MfaException(MfaError.PasskeyNotFound, 'Passkey not found');
    return describePasskey(renamed);
  }

  /**
   * 404 unless the passkey is one of the user's, 409 when it is the last second factor: asked before the
   * proof, so that a removal refused anyway doesn't use up the code given as proof.
   */
  async assertRemovable(userId: string, id: string): Promise<void> {
    const [state, passkeys] = await Promise.all([this.mfa.requireState(userId), this.passkeys.listForUser(userId)]);
    PasskeyService.refuseRemoval(
      passkeys.some((passkey) => passkey.id === id),
      state.secretEncrypted !== null || passkeys.length > 1,
    );
  }

  /**
   * Removes one of the user's passkeys, after the proof (`ProofService`). The last second factor stays:
   * turning 2FA off is `POST /2fa/disable`'s, which ends the other sessions too.
   */
  async remove(userId: string, id: string): Promise<void> {
    const removed = await this.dataSource.transaction(async (manager) => {
      const state = await this.mfa.lockState(userId, manager);
      const passkey = await this.passkeys.remove(userId, id, manager);
      const othersLeft = state.secretEncrypted !== null || (await this.passkeys.countForUser(userId, manager)) > 0;
      PasskeyService.refuseRemoval(passkey !== undefined, othersLeft);
      await this.audit.record({ type: 'webauthn.removed', userId, details: { passkeyId: id } }, manager);
      return { name: (passkey as StoredPasskey).name, email: state.email };
    });
    this.notifications.passkeyRemoved(removed.email, removed.name);
  }

  private static refuseRemoval(found: boolean, anotherFactorLeft: boolean): void {
    if (!found) throw new MfaException(MfaError.PasskeyNotFound, 'Passkey not found');
    if (!anotherFactorLeft) {
      throw new MfaException(
        MfaError.LastSecondFactor,
        'This is your only second factor: add another first, or turn two-factor authentication off with POST /2fa/disable',
      );
    }
  }
}
