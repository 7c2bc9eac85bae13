import { SessionViewDto } from '../../session/dto/session-view.dto';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import type { Role } from '../../common/auth/auth-user';

export class DeleteAccountDto {
  /** Proof that the caller is the account's owner now. */
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password: string;

  /** With 2FA on: a current 6-digit code or a backup code. */
  @IsOptional()
  @IsString()
  @Matches(/^(\d{6}|[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}-?[A-Za-z0-9]{4})$/, {
    message: 'code must be a 6-digit code or a backup code',
  })
  code?: string;
}

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
  /** Every session on record (ended ones are kept 7 days). */
  sessions: ExportedSessionDto[];
  /** The security events about this account, oldest first. */
  auditEvents: ExportedAuditEventDto[];
}
