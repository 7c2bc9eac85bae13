import type { Role } from '../common/auth/auth-user';
import type { OpsConfig } from '../config/ops.config';

/** Every flag the code knows. A key outside this list can't be stored, changed or required by a route. */
export const FLAG_KEYS = [
  'passwordless_auth',
  'mfa_enforcement',
  'registration_open',
  'passkey_auth',
  'trusted_devices',
] as const;
export type FlagKey = (typeof FLAG_KEYS)[number];

/** What decides a flag: the kill switch and its targeting. */
export interface FlagSettings {
  enabled: boolean;
  /** 0..100: the share of users (by sticky bucket) the flag is on for. */
  rolloutPercent: number;
  /** Holders of any of these roles get the flag whatever their bucket. */
  roles: Role[];
  /** Lowercase emails that get the flag whatever their bucket. */
  allowEmails: string[];
}

export interface FlagDefinition {
  key: FlagKey;
  description: string;
  /** The state while no admin has changed the flag (no row in `feature_flags`). */
  defaults(ops: OpsConfig): FlagSettings;
}

const everyone = (enabled: boolean): FlagSettings => ({
  enabled,
  // A flag that starts off starts at 0%: switching it on then reaches only the allow-list and roles
  // an admin names, never everybody at once.
  rolloutPercent: enabled ? 100 : 0,
  roles: [],
  allowEmails: [],
});

export const FLAGS: Readonly<Record<FlagKey, FlagDefinition>> = {
  passwordless_auth: {
    key: 'passwordless_auth',
    description: 'Passwordless sign-in with magic links sent by email (POST /auth/magic-link).',
    // FEATURE_PASSWORDLESS_AUTH is only the default: once an admin changes the flag, the row decides.
    defaults: (ops) => everyone(ops.featurePasswordlessAuth),
  },
  mfa_enforcement: {
    key: 'mfa_enforcement',
    description: 'Users the flag is on for must enroll in two-factor authentication after MFA_ENFORCEMENT_GRACE_DAYS.',
    defaults: () => everyone(false),
  },
  registration_open: {
    key: 'registration_open',
    description: 'Self-service registration (POST /auth/register); off answers 403.',
    defaults: () => everyone(true),
  },
  passkey_auth: {
    key: 'passkey_auth',
    description:
      'Passwordless sign-in with a passkey alone (POST /auth/passkey); off answers 404. Passkeys as a second factor need no flag.',
    defaults: () => everyone(false),
  },
  trusted_devices: {
    key: 'trusted_devices',
    description:
      'Remembered devices: rememberDevice on the second-factor step skips it on that browser for TRUSTED_DEVICE_DAYS, and its failures lock only it.',
    defaults: () => everyone(false),
  },
};

export function isFlagKey(key: string): key is FlagKey {
  return (FLAG_KEYS as readonly string[]).includes(key);
}
