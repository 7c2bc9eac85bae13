import type { Aal, Role, Scope } from '../../common/auth/auth-user';

export class CurrentSessionDto {
  id: string;
  aal: Aal;
  scope: Scope;
}

export class MeResponseDto {
  id: string;
  email: string;
  displayName: string | null;
  roles: Role[];
  emailVerified: boolean;
  mfaEnabled: boolean;
  /** When the password must be changed; null when passwords do not expire. */
  passwordExpiresAt: Date | null;
  session: CurrentSessionDto;
}
