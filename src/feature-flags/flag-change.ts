import { isEmail } from 'class-validator';
import { Role, ROLES } from '../common/auth/auth-user';
import { FeatureFlagError, FeatureFlagException } from './feature-flag.exception';
import { FlagSettings } from './flags';

/** An admin's change to a flag; omitted fields keep their current values. */
export interface FeatureFlagChange {
  enabled: boolean;
  rolloutPercent?: number;
  roles?: string[];
  allowEmails?: string[];
}

export const MAX_ALLOW_EMAILS = 1000;
const MAX_EMAIL_LENGTH = 254;

/** A change that passed validation, its lists normalized. */
export interface ValidFlagChange {
  enabled: boolean;
  rolloutPercent?: number;
  roles?: Role[];
  allowEmails?: string[];
}

const invalid = (code: FeatureFlagError, message: string) => new FeatureFlagException(code, message);

function checkRoles(roles: unknown): Role[] {
  if (!Array.isArray(roles)) throw invalid(FeatureFlagError.UnknownRole, 'roles must be a list of roles');
  for (const role of roles as unknown[]) {
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
      throw invalid(FeatureFlagError.UnknownRole, `roles may only contain ${ROLES.join(', ')}`);
    }
  }
  return [...new Set(roles as Role[])];
}

function checkEmails(emails: unknown): string[] {
  if (!Array.isArray(emails)) throw invalid(FeatureFlagError.InvalidEmail, 'allowEmails must be a list of emails');
  if (emails.length > MAX_ALLOW_EMAILS) {
    throw invalid(FeatureFlagError.TooManyEmails, `allowEmails may hold at most ${MAX_ALLOW_EMAILS} emails`);
  }
  const normalized = (emails as unknown[]).map((email, index) => {
    if (typeof email !== 'string' || email.length > MAX_EMAIL_LENGTH || !isEmail(email)) {
      throw invalid(FeatureFlagError.InvalidEmail, `allowEmails[${index}] is not a valid email address`);
    }
    return email.toLowerCase();
  });
  return [...new Set(normalized)];
}

/**
 * Checks a change on its own (the service and any caller that bypasses the HTTP DTO, such as the CLI,
 * get the same rules) and answers it with its lists normalized.
 */
export function validateFlagChange(change: FeatureFlagChange): ValidFlagChange {
  if (typeof change?.enabled !== 'boolean') throw invalid(FeatureFlagError.InvalidEnabled, 'enabled must be a boolean');
  const { rolloutPercent } = change;
  if (
    rolloutPercent !== undefined &&
    (!Number.isInteger(rolloutPercent) || rolloutPercent < 0 || rolloutPercent > 100)
  ) {
    throw invalid(FeatureFlagError.InvalidRolloutPercent, 'rolloutPercent must be a whole number from 0 to 100');
  }
  return {
    enabled: change.enabled,
    rolloutPercent,
    roles: change.roles === undefined ? undefined : checkRoles(change.roles),
    allowEmails: change.allowEmails === undefined ? undefined : checkEmails(change.allowEmails),
  };
}

/** The settings after a validated change. */
export function applyFlagChange(current: FlagSettings, change: ValidFlagChange): FlagSettings {
  return {
    enabled: change.enabled,
    rolloutPercent: change.rolloutPercent ?? current.rolloutPercent,
    roles: change.roles ?? current.roles,
    allowEmails: change.allowEmails ?? current.allowEmails,
  };
}
