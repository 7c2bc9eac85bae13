import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { Clock } from '../common/clock/clock';
import { AuthError, AuthException } from './auth.exception';
import { OneTimeTokenRepository, TokenPurpose } from './one-time-token.repository';

/** The shape of every link token: 32 random bytes, base64url. */
export const LINK_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Tokens for links in mail: 256 random bits, only their SHA-256 stored, one use, a lifetime, and only
 * the newest of a user's tokens for one purpose valid.
 */
@Injectable()
export class LinkTokens {
  constructor(
    private readonly tokens: OneTimeTokenRepository,
    private readonly clock: Clock,
  ) {}

  /** Issues a token and answers it: it exists in clear only in this return value (and the mail). */
  async issue(userId: string, purpose: TokenPurpose, ttlMs: number, manager: EntityManager): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    await this.tokens.issue(userId, purpose, LinkTokens.hash(token), now, new Date(now.getTime() + ttlMs), manager);
    return token;
  }

  /**
   * Uses the token up inside `manager`'s transaction and answers its user: 400 for a token never issued,
   * 410 for one used, replaced by a newer one, or expired. A rolled-back transaction leaves it usable.
   */
  async consume(token: string, purpose: TokenPurpose, manager: EntityManager): Promise<string> {
    const row = await this.tokens.findForUpdate(purpose, LinkTokens.hash(token), manager);
    if (!row) throw new AuthException(AuthError.InvalidLinkToken, 'This link is not valid');
    const now = this.clock.now();
    if (row.usedAt || row.expiresAt <= now || !(await this.tokens.markUsed(row.id, now, manager))) {
      throw new AuthException(AuthError.LinkTokenGone, 'This link was already used or has expired; ask for a new one');
    }
    return row.userId;
  }

  private static hash(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }
}
