export const AALS = ['aal1', 'aal2'] as const;
export type Aal = (typeof AALS)[number];
export const SCOPES = ['full', 'password_change', 'mfa_enrollment'] as const;
export type Scope = (typeof SCOPES)[number];
export const ROLES = ['user', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, as established by the global guard from a verified access token and a live session. */
export interface AuthUser {
  userId: string;
  sessionId: string;
  aal: Aal;
  amr: string[];
  scope: Scope;
  roles: Role[];
}
