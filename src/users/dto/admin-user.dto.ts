import { DeviceDto } from '../../devices/dto/device.dto';
import { SessionViewDto } from '../../session/dto/session-view.dto';
import { UserResponseDto } from './user-response.dto';

export class AdminUserSummaryDto extends UserResponseDto {
  mfaEnabled: boolean;
  /** True while a lockout runs. */
  locked: boolean;
  createdAt: Date;
  lastLoginAt: Date | null;
}

export class AdminUserPageDto {
  items: AdminUserSummaryDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export class AdminUserDetailDto extends AdminUserSummaryDto {
  /** Until when the account is locked; null when it isn't. */
  lockedUntil: Date | null;
  /** Failures counted towards the next lockout. */
  failedLoginAttempts: number;
  mfaEnabledAt: Date | null;
  /** The next login must change the password (expired, or forced by an admin). */
  mustChangePassword: boolean;
  passwordChangedAt: Date;
  /** The user's active sessions, newest first. */
  sessions: SessionViewDto[];
  /** The user's remembered devices, newest first (`current` is always false here). */
  devices: DeviceDto[];
}
