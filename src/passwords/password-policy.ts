import { commonPasswords } from './common-passwords';

export const PASSWORD_MAX_LENGTH = 128;

export interface PasswordPolicyOptions {
  minLength: number;
  requireClasses: boolean;
}

/** Every reason a password is refused, so the client can show them all at once; empty when it is fine. */
export function passwordProblems(password: string, email: string, options: PasswordPolicyOptions): string[] {
  const problems: string[] = [];
  const length = [...password].length;
  if (length < options.minLength) problems.push(`password must be at least ${options.minLength} characters`);
  if (length > PASSWORD_MAX_LENGTH) problems.push(`password must be at most ${PASSWORD_MAX_LENGTH} characters`);
  if (options.requireClasses) {
    if (!/\p{Lu}/u.test(password)) problems.push('password must contain an upper-case letter');
    if (!/\p{Ll}/u.test(password)) problems.push('password must contain a lower-case letter');
    if (!/\p{Nd}/u.test(password)) problems.push('password must contain a digit');
    if (!/[^\p{L}\p{Nd}]/u.test(password)) problems.push('password must contain a special character');
  }
  const lowered = password.toLowerCase();
  if (commonPasswords().has(lowered)) problems.push('password is too common');
  const localPart = email.split('@')[0]?.toLowerCase() ?? '';
  if (localPart.length >= 3 && lowered.includes(localPart)) problems.push('password must not contain your email name');
  return problems;
}
