import { DeviceDto } from '../../devices/dto/device.dto';
import { PasskeyDto } from '../../mfa/dto/passkey.dto';
import { SessionViewDto } from '../../session/dto/session-view.dto';
import { PasswordProofDto } from '../../lockout/dto/password-proof.dto';
import type { Role } from '../../common/auth/auth-user';

/** `DELETE /users/me`: the password, and with 2FA on a current code or a backup code. */
export class DeleteAccountDto extends PasswordProofDto {}

export class ExportedProfileDto {
  id: string;
  email: string;
  displayName: string | null;
  roles: Role[];
  emailVerified: boolean;
  createdAt: Date;
  lastLoginAt: Date | null;
  passwordChangedAt: Date;
}

export class ExportedMfaDto {
  enabled: boolean;
  enabledAt: Date | null;
  totp: boolean;
  passkeys: number;
  backupCodesRemaining: number;
}

export class ExportedSessionDto extends SessionViewDto {
  revokedAt: Date | null;
  revokedReason: string | null;
}

export class ExportedAuditEventDto {
  occurredAt: Date;
  type: string;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
}

export class AccountExportDto {
  /** When the export was made. */
  exportedAt: Date;
  profile: ExportedProfileDto;
  twoFactor: ExportedMfaDto;
  /** The passkeys registered (names and times; their public keys are not personal data one can use). */
  passkeys: PasskeyDto[];
  /** The remembered devices (browsers that skip the second factor), without their tokens. */
  devices: DeviceDto[];
  /** Every session on record (ended ones are kept 7 days). */
  sessions: ExportedSessionDto[];
  /** The security events about this account, oldest first. */
  auditEvents: ExportedAuditEventDto[];
}
