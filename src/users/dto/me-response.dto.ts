import type { Aal, Scope } from '../../common/auth/auth-user';
import { UserResponseDto } from './user-response.dto';

export class CurrentSessionDto {
  id: string;
  aal: Aal;
  scope: Scope;
}

export class MeResponseDto extends UserResponseDto {
  mfaEnabled: boolean;
  /** When the password must be changed; null when passwords do not expire. */
  passwordExpiresAt: Date | null;
  session: CurrentSessionDto;
}
