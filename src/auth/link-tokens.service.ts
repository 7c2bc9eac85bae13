import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHash, randomBytes } from 'node:crypto';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock/clock';
import { Config } from '../config/configuration';
import { AuthError, AuthException } from './auth.exception';
import { OneTimeTokenRepository, TokenPurpose, TokenRow } from './one-time-token.repository';

/** How long an email-verification link works. */
export const EMAIL_VERIFICATION_TTL_HOURS = 48;

/** The shape of every link token: 32 random bytes, base64url. */
export const LINK_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Tokens for links in mail: 256 random bits, only their SHA-256 stored, one use, a lifetime, and only
 * the newest of a user's tokens for one purpose valid.
 */
@Injectable()
export class LinkTokens {
  private readonly lifetimes: Record<TokenPurpose, number>;

  constructor(
    private readonly tokens: OneTimeTokenRepository,
    private readonly clock: Clock,
    @InjectDataSource() private readonly dataSource: DataSource,
    config: ConfigService<Config, true>,
  ) {
    const security = config.get('security', { infer: true });
    this.lifetimes = {
      magic_link: security.magicLinkTtlMinutes,
      password_reset: security.passwordResetTtlMinutes,
      email_verify: EMAIL_VERIFICATION_TTL_HOURS * 60,
    };
  }

  /** MAGIC_LINK_TTL_MINUTES, PASSWORD_RESET_TTL_MINUTES, or EMAIL_VERIFICATION_TTL_HOURS in minutes. */
  lifetimeMinutes(purpose: TokenPurpose): number {
    return this.lifetimes[purpose];
  }

  /** Issues a token and answers it: it exists in clear only in this return value (and the mail). */
  async issue(userId: string, purpose: TokenPurpose, manager: EntityManager): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + this.lifetimes[purpose] * 60_000);
    await this.tokens.issue(userId, purpose, LinkTokens.hash(token), now, expiresAt, manager);
    return token;
  }

  /**
   * Uses the token up inside `manager`'s transaction and answers its user: 400 for a token never issued,
   * 410 for one used, replaced by a newer one, or expired. A rolled-back transaction leaves it usable.
   */
  async consume(token: string, purpose: TokenPurpose, manager: EntityManager): Promise<string> {
    const now = this.clock.now();
    const row = LinkTokens.usable(await this.tokens.findForUpdate(purpose, LinkTokens.hash(token), manager), now);
    if (!(await this.tokens.markUsed(row.id, now, manager))) throw LinkTokens.gone();
    return row.userId;
  }

  /**
   * The user of a token that is usable now, with the same 400 and 410 as `consume`, leaving it unused:
   * for the checks that may refuse the action before the transaction that uses it up.
   */
  async userOf(token: string, purpose: TokenPurpose): Promise<string> {
    const row = await this.tokens.findCurrent(purpose, LinkTokens.hash(token), this.dataSource.manager);
    return LinkTokens.usable(row, this.clock.now()).userId;
  }

  /** Deletes every token of a deleted account. */
  forgetUser(userId: string, manager: EntityManager): Promise<void> {
    return this.tokens.deleteAllForUser(userId, manager);
  }

  private static usable(row: TokenRow | null, now: Date): TokenRow {
    if (!row) throw new AuthException(AuthError.InvalidLinkToken, 'This link is not valid');
    if (row.usedAt || row.expiresAt <= now) throw LinkTokens.gone();
    return row;
  }

  private static gone(): AuthException {
    return new AuthException(AuthError.LinkTokenGone, 'This link was already used or has expired; ask for a new one');
  }

  private static hash(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }
}
