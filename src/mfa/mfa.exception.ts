import { HttpStatus } from '@nestjs/common';
import { DomainException } from '../common/filters/domain.exception';
import { DomainErrorMapping } from '../common/filters/domain-error-status';

export enum MfaError {
  AlreadyEnabled = 'mfa_already_enabled',
  NotPending = 'mfa_setup_not_started',
  InvalidCode = 'mfa_invalid_code',
  ReauthenticationRequired = 'reauthentication_required',
  NotEnabled = 'mfa_not_enabled',
  EnrollmentRequired = 'mfa_enrollment_required',
  ReasonRequired = 'reason_required',
  UserNotFound = 'user_not_found',
  WebauthnChallengeInvalid = 'webauthn_challenge_invalid',
  WebauthnVerificationFailed = 'webauthn_verification_failed',
  PasskeyNotFound = 'passkey_not_found',
  PasskeyAlreadyRegistered = 'passkey_already_registered',
  LastSecondFactor = 'last_second_factor',
}

export class MfaException extends DomainException<MfaError> {}

/** The HTTP status of each MfaError; AppModule hands this to the one exception filter. */
export const MFA_ERRORS: DomainErrorMapping<MfaError> = {
  exception: MfaException,
  status: {
    [MfaError.AlreadyEnabled]: HttpStatus.CONFLICT,
    [MfaError.NotPending]: HttpStatus.CONFLICT,
    [MfaError.InvalidCode]: HttpStatus.BAD_REQUEST,
    [MfaError.ReauthenticationRequired]: HttpStatus.FORBIDDEN,
    [MfaError.NotEnabled]: HttpStatus.CONFLICT,
    [MfaError.EnrollmentRequired]: HttpStatus.FORBIDDEN,
    [MfaError.ReasonRequired]: HttpStatus.BAD_REQUEST,
    [MfaError.UserNotFound]: HttpStatus.NOT_FOUND,
    [MfaError.WebauthnChallengeInvalid]: HttpStatus.BAD_REQUEST,
    [MfaError.WebauthnVerificationFailed]: HttpStatus.BAD_REQUEST,
    [MfaError.PasskeyNotFound]: HttpStatus.NOT_FOUND,
    [MfaError.PasskeyAlreadyRegistered]: HttpStatus.CONFLICT,
    [MfaError.LastSecondFactor]: HttpStatus.CONFLICT,
  },
};
