import { HttpStatus } from '@nestjs/common';
import { DomainException } from '../common/filters/domain.exception';
import { DomainErrorMapping } from '../common/filters/domain-error-status';

export enum FeatureFlagError {
  UnknownFlag = 'feature_flag_unknown',
  InvalidEnabled = 'feature_flag_invalid_enabled',
  InvalidRolloutPercent = 'feature_flag_invalid_rollout_percent',
  UnknownRole = 'feature_flag_unknown_role',
  InvalidEmail = 'feature_flag_invalid_email',
  TooManyEmails = 'feature_flag_too_many_emails',
}

export class FeatureFlagException extends DomainException<FeatureFlagError> {}

/** The HTTP status of each FeatureFlagError; AppModule hands this to the one exception filter. */
export const FEATURE_FLAG_ERRORS: DomainErrorMapping<FeatureFlagError> = {
  exception: FeatureFlagException,
  status: {
    [FeatureFlagError.UnknownFlag]: HttpStatus.NOT_FOUND,
    [FeatureFlagError.InvalidEnabled]: HttpStatus.BAD_REQUEST,
    [FeatureFlagError.InvalidRolloutPercent]: HttpStatus.BAD_REQUEST,
    [FeatureFlagError.UnknownRole]: HttpStatus.BAD_REQUEST,
    [FeatureFlagError.InvalidEmail]: HttpStatus.BAD_REQUEST,
    [FeatureFlagError.TooManyEmails]: HttpStatus.BAD_REQUEST,
  },
};
