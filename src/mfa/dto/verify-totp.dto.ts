import { Matches } from 'class-validator';

export class VerifyTotpDto {
  /** The 6-digit code the authenticator app shows now. */
  @Matches(/^\d{6}$/, { message: 'code must be exactly 6 digits' })
  code: string;
}
