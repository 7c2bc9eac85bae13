import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { DomainException } from '../common/filters/domain.exception';
import { sendDomainError } from '../common/filters/error-reply';

export enum FeatureFlagError {
  UnknownFlag = 'feature_flag_unknown',
  InvalidEnabled = 'feature_flag_invalid_enabled',
  InvalidRolloutPercent = 'feature_flag_invalid_rollout_percent',
  UnknownRole = 'feature_flag_unknown_role',
  InvalidEmail = 'feature_flag_invalid_email',
  TooManyEmails = 'feature_flag_too_many_emails',
}

export class FeatureFlagException extends DomainException<FeatureFlagError> {}

export function featureFlagErrorStatus(code: FeatureFlagError): HttpStatus {
  switch (code) {
    case FeatureFlagError.UnknownFlag:
      return HttpStatus.NOT_FOUND;
    case FeatureFlagError.InvalidEnabled:
    case FeatureFlagError.InvalidRolloutPercent:
    case FeatureFlagError.UnknownRole:
    case FeatureFlagError.InvalidEmail:
    case FeatureFlagError.TooManyEmails:
      return HttpStatus.BAD_REQUEST;
  }
}

@Catch(FeatureFlagException)
export class FeatureFlagExceptionFilter implements ExceptionFilter {
  catch(exception: FeatureFlagException, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendDomainError(
      http.getRequest<FastifyRequest>(),
      http.getResponse<FastifyReply>(),
      featureFlagErrorStatus(exception.code),
      exception,
    );
  }
}
