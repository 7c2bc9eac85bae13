import { HttpStatus } from '@nestjs/common';
import { DomainException } from '../common/filters/domain.exception';
import { DomainErrorMapping } from '../common/filters/domain-error-status';

export enum DeviceError {
  DeviceNotFound = 'device_not_found',
  DeviceTokenUsed = 'device_token_used',
}

export class DeviceException extends DomainException<DeviceError> {}

/** The HTTP status of each DeviceError; AppModule hands this to the one exception filter. */
export const DEVICE_ERRORS: DomainErrorMapping<DeviceError> = {
  exception: DeviceException,
  status: {
    [DeviceError.DeviceNotFound]: HttpStatus.NOT_FOUND,
    [DeviceError.DeviceTokenUsed]: HttpStatus.UNAUTHORIZED,
  },
};
