import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

/** The proof of an action that needs the password, and a 2FA code when 2FA is on (`ProofService`). */
export class PasswordProofDto {
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
