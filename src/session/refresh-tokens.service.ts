import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { Config } from '../config/configuration';
import { RefreshTokenRepository, RotatedSession } from './refresh-token.repository';
import { refreshTokenExpiry } from './refresh-token-expiry';
import { FirstRefreshToken } from './session.repository';
import { SessionEntity } from './session.entity';
import { SessionException } from './session.exception';
import { SessionService } from './session.service';

/** A rotation's outcome: the session and its new refresh token, or why not. */
export type Rotation =
  | {
      ok: true;
      session: RotatedSession['session'] & { userId: string };
      /** The account, when the rotation read it along (the one-statement path). */
      user?: RotatedSession['user'];
      refreshToken: string;
    }
  | {
      ok: false;
      /** A rotated token came back (possible theft): the account whose sessions were all ended. */
      reuse?: { userId: string };
    };

/**
 * A session's refresh tokens: opaque 256-bit values stored only as SHA-256 hashes, one chain per
 * session, rotated on every use. A token used before answers with its successor when retried within
 * JWT_REFRESH_REUSE_GRACE_SECONDS (a benign concurrent retry); any other reuse means it was stolen,
 * so every session of the user ends.
 */
@Injectable()
export class RefreshTokens {
  readonly ttlMs: number;
  private readonly graceMs: number;
  private readonly successorKey: Buffer;

  constructor(
    private readonly tokens: RefreshTokenRepository,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    config: ConfigService<Config, true>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    const jwt = config.get('jwt', { infer: true });
    this.ttlMs = jwt.refreshTtlMs;
    this.graceMs = jwt.refreshReuseGraceSeconds * 1000;
    this.successorKey = createHmac('sha256', jwt.secret).update('refresh-token-successor').digest();
  }

  /**
   * A new session's first token: the value for the client, and what `SessionService.start` stores with
   * the session (only the hash; it lives `ttlMs` from the session's start, never past its absolute expiry).
   */
  firstToken(): { token: string; stored: FirstRefreshToken } {
    const token = randomBytes(32).toString('base64url');
    return { token, stored: { tokenHash: RefreshTokens.hash(token), ttlMs: this.ttlMs } };
  }

  /** Rotates `token`: the common case in one statement, every other case step by step. */
  async rotate(token: string): Promise<Rotation> {
    return (
      (await this.rotateLive(token)) ??
      (await this.dataSource.transaction((manager) => this.rotateStepByStep(token, manager)))
    );
  }

  /** A live token of a live session, in one statement; undefined for every other case. */
  private async rotateLive(token: string): Promise<Rotation | undefined> {
    const now = this.clock.now();
    const successor = this.successorOf(token);
    const rotated = await this.tokens.rotateLive(
      {
        tokenHash: RefreshTokens.hash(token),
        successorHash: RefreshTokens.hash(successor),
        now,
        idleExpiresAt: this.sessions.idleDeadline(now),
        successorExpiresAt: new Date(now.getTime() + this.ttlMs),
      },
      this.dataSource.manager,
    );
    return (
      rotated && {
        ok: true,
        session: { ...rotated.session, userId: rotated.user.id },
        user: rotated.user,
        refreshToken: successor,
      }
    );
  }

  private async rotateStepByStep(token: string, manager: EntityManager): Promise<Rotation> {
    const now = this.clock.now();
    const row = await this.tokens.findByHashForUpdate(RefreshTokens.hash(token), manager);
    if (!row || row.revokedAt || row.expiresAt <= now) return { ok: false };
    const successor = this.successorOf(token);
    const successorHash = RefreshTokens.hash(successor);
    if (row.usedAt) {
      const child = await this.tokens.findActiveChild(row.id, successorHash, manager);
      if (child && now.getTime() - row.usedAt.getTime() <= this.graceMs) {
        const session = await this.liveSession(row.sessionId, manager);
        return session ? { ok: true, session, refreshToken: successor } : { ok: false };
      }
      // Whoever holds the stolen copy may have other sessions by now: all of the user's sessions end.
      const session = await this.sessions.findById(row.sessionId, manager);
      await this.tokens.revokeAllForSession(row.sessionId, now, manager);
      await this.audit.record(
        { type: 'refresh.reuse_detected', userId: session?.userId ?? null, details: { sessionId: row.sessionId } },
        manager,
      );
      if (!session) return { ok: false };
      await this.sessions.revokeAllForUser(session.userId, 'refresh_reuse', { manager });
      return { ok: false, reuse: { userId: session.userId } };
    }
    await this.tokens.markUsed(row.id, now, manager);
    const session = await this.liveSession(row.sessionId, manager);
    if (!session) return { ok: false };
    await this.tokens.insertToken(
      {
        sessionId: row.sessionId,
        tokenHash: successorHash,
        parentId: row.id,
        createdAt: now,
        expiresAt: refreshTokenExpiry(now, this.ttlMs, session.expiresAt),
      },
      manager,
    );
    return { ok: true, session, refreshToken: successor };
  }

  private async liveSession(sessionId: string, manager: EntityManager): Promise<SessionEntity | undefined> {
    try {
      return await this.sessions.useForRefresh(sessionId, manager);
    } catch (error) {
      if (error instanceof SessionException) return undefined;
      throw error;
    }
  }

  /**
   * The token that replaces `token` on rotation. Derived (HMAC under a server key) rather than random, so
   * a benign retry inside the grace window gets the very same successor without it being stored in clear.
   */
  private successorOf(token: string): string {
    return createHmac('sha256', this.successorKey).update(token).digest('base64url');
  }

  private static hash(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }
}
