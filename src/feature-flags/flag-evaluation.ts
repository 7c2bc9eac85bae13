import { createHash } from 'node:crypto';

/** The flag fields evaluation reads. */
export interface FlagTargeting {
  enabled: boolean;
  rolloutPercent: number;
  roles: readonly string[];
  allowEmails: readonly string[];
}

/** Who a flag is evaluated for. `email` may be absent when the allow-list doesn't need it. */
export interface FlagSubject {
  id: string;
  email?: string | null;
  roles: readonly string[];
}

/**
 * A user's bucket for one flag, 0..99. Sticky: the same user lands in the same bucket on every replica
 * and every evaluation, so raising the percentage only adds users. Keyed by flag too, so the first 5%
 * of one flag are not the first 5% of every other.
 */
export function stickyBucket(key: string, userId: string): number {
  const digest = createHash('sha256').update(`${key}:${userId}`).digest();
  // 2^32 mod 100 leaves a bias of about 1e-8 per bucket: far below anything a rollout can notice.
  return digest.readUInt32BE(0) % 100;
}

/** On for the subject through the allow-list or a role, before any percentage. */
export function isTargeted(flag: FlagTargeting, subject: FlagSubject): boolean {
  const email = subject.email?.toLowerCase();
  if (email && flag.allowEmails.some((allowed) => allowed.toLowerCase() === email)) return true;
  return subject.roles.some((role) => flag.roles.includes(role));
}

/**
 * Whether a flag is on for a subject: the kill switch first, then the allow-list, roles or the sticky
 * bucket. Without a subject (an anonymous request) only a flag on for everyone is on.
 */
export function evaluateFlag(key: string, flag: FlagTargeting, subject?: FlagSubject): boolean {
  if (!flag.enabled) return false;
  if (flag.rolloutPercent >= 100) return true;
  if (!subject) return false;
  if (isTargeted(flag, subject)) return true;
  return flag.rolloutPercent > 0 && stickyBucket(key, subject.id) < flag.rolloutPercent;
}
