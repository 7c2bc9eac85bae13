import { IsBoolean, IsJWT, IsOptional, Matches, MaxLength } from 'class-validator';

export class Login2faDto {
  /** The `mfaToken` from the login that answered `mfa_required`. */
  @IsJWT()
  @MaxLength(2048)
  mfaToken: string;

  /** A 6-digit TOTP code, or one of the backup codes (`XXXX-XXXX-XXXX`). */
  @Matches(/^(\d{6}|[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}-?[A-Za-z0-9]{4})$/, {
    message: 'code must be a 6-digit code or a backup code',
  })
  code: string;

  /** Remember this device: the answer carries a device token that skips this step here for TRUSTED_DEVICE_DAYS. */
  @IsOptional()
  @IsBoolean()
  rememberDevice?: boolean;
}
