import type { Aal } from '../../common/auth/auth-user';

export class SessionResponseDto {
  id: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** Client address at sign-in. */
  ip: string | null;
  userAgent: string | null;
  /** Authentication assurance level: `aal1` (password) or `aal2` (second factor). */
  aal: Aal;
  /** True for the session making this request. */
  current: boolean;
}
