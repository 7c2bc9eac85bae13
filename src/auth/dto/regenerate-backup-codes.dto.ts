import { Matches } from 'class-validator';

export class RegenerateBackupCodesDto {
  /** A current 6-digit code from the authenticator app. */
  @Matches(/^\d{6}$/, { message: 'code must be exactly 6 digits' })
  code: string;
}
