import type { Aal } from '../../common/auth/auth-user';
import type { SessionEntity } from '../session.entity';

/** A session as its owner and the admins see it. */
export class SessionViewDto {
  id: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** Client address at sign-in. */
  ip: string | null;
  userAgent: string | null;
  /** Authentication assurance level: `aal1` (password) or `aal2` (second factor). */
  aal: Aal;
}

export function describeSession(session: SessionEntity): SessionViewDto {
  return {
    id: session.id,
    createdAt: session.createdAt,
    lastSeenAt: session.lastSeenAt,
    ip: session.ip,
    userAgent: session.userAgent,
    aal: session.aal,
  };
}
