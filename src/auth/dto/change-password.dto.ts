import { IsString, MaxLength, MinLength } from 'class-validator';

export class ChangePasswordDto {
  /** Proof that the caller knows the password now. */
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  currentPassword: string;

  /** Must meet the policy and differ from the last PASSWORD_HISTORY_COUNT passwords. */
  @IsString()
  @MaxLength(1024)
  newPassword: string;
}
