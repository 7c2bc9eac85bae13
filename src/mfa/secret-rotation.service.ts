import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { MfaRepository } from './mfa.repository';
import { SecretCipher } from './secret-cipher';

/** `twofold mfa reencrypt` (the CLI): moving every TOTP secret under the current MFA_ENCRYPTION_KEY. */
@Injectable()
export class SecretRotation {
  constructor(
    private readonly mfa: MfaRepository,
    private readonly cipher: SecretCipher,
    private readonly audit: AuditService,
  ) {}

  /**
   * Re-encrypts every TOTP secret under the current MFA_ENCRYPTION_KEY (older keys come from
   * MFA_ENCRYPTION_KEYS_OLD). Once it reports 0 left, the old keys can be removed.
   */
  async reencryptSecrets(actorId: string): Promise<{ reencrypted: number }> {
    const done = async (reencrypted: number) => {
      await this.audit.record({
        type: 'mfa.keys_rotated',
        actorId,
        details: { reencrypted, keyId: this.cipher.currentKeyId },
      });
      return { reencrypted };
    };
    let reencrypted = 0;
    for (;;) {
      const batch = await this.mfa.findSecretsNotUnderKey(this.cipher.currentKeyId, 500);
      if (batch.length === 0) return done(reencrypted);
      let progressed = false;
      for (const row of batch) {
        const rewrap = (value: string | null) =>
          value === null ? null : this.cipher.encrypt(this.cipher.decrypt(value));
        if (await this.mfa.replaceSecrets(row.id, row, { secret: rewrap(row.secret), pending: rewrap(row.pending) })) {
          reencrypted++;
          progressed = true;
        }
      }
      if (!progressed) return done(reencrypted);
    }
  }
}
