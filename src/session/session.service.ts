import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock/clock';
import { Aal, Scope } from '../common/auth/auth-user';
import { Config } from '../config/configuration';
import { AuditService } from '../audit/audit.service';
import { AuthMetrics } from '../metrics/auth-metrics';
import { REVOKE_REASONS, RevokeReason, SessionEntity } from './session.entity';
import { SessionError, SessionException } from './session.exception';
import { refreshTokenExpiry } from './refresh-token-expiry';
import { FirstRefreshToken, SessionRepository } from './session.repository';

export interface StartSession {
  userId: string;
  aal: Aal;
  amr: string[];
  scope: Scope;
  ip: string | null;
  userAgent: string | null;
}

export interface RevokeAllOptions {
  /** The session to keep (the caller's own). */
  keepId?: string;
  /** Who ended them, when not the user themself (an admin's id, `cli`). */
  actorId?: string;
  manager?: EntityManager;
}

export interface SessionTimes {
  id: string;
  idleExpiresAt: Date;
  absoluteExpiresAt: Date;
  /** When a client should warn its user that the session is about to time out. */
  warnAt: Date;
}

const MINUTE = 60_000;
const MAX_USER_AGENT = 256;

@Injectable()
export class SessionService {
  private readonly idleMs: number;
  private readonly absoluteMs: number;
  private readonly maxConcurrent: number;
  /** Activity is written at most this often per session, not on every request. */
  private readonly touchEveryMs: number;

  constructor(
    private readonly sessions: SessionRepository,
    private readonly audit: AuditService,
    private readonly metrics: AuthMetrics,
    private readonly clock: Clock,
    config: ConfigService<Config, true>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    const security = config.get('security', { infer: true });
    this.idleMs = security.sessionTimeoutMinutes * MINUTE;
    this.absoluteMs = security.sessionAbsoluteTimeoutHours * 60 * MINUTE;
    this.maxConcurrent = security.maxConcurrentSessions;
    this.touchEveryMs = Math.min(MINUTE, this.idleMs / 20);
    metrics.startRevokeReasonsAtZero(REVOKE_REASONS);
  }

  /**
   * Starts a session with its first refresh token (`RefreshTokens.firstToken`), ending the user's oldest
   * ones beyond MAX_CONCURRENT_SESSIONS. `manager`'s transaction holds the user's row lock.
   */
  async start(input: StartSession, firstToken: FirstRefreshToken, manager: EntityManager): Promise<SessionEntity> {
    const now = this.clock.now().getTime();
    const expiresAt = now + this.absoluteMs;
    const { created, evictedIds } = await this.sessions.createEvictingOldest(
      {
        ...input,
        ip: input.ip?.slice(0, 64) ?? null,
        userAgent: input.userAgent?.slice(0, MAX_USER_AGENT) ?? null,
        createdAt: new Date(now),
        lastSeenAt: new Date(now),
        idleExpiresAt: new Date(Math.min(now + this.idleMs, expiresAt)),
        expiresAt: new Date(expiresAt),
      },
      {
        tokenHash: firstToken.tokenHash,
        expiresAt: refreshTokenExpiry(new Date(now), firstToken.ttlMs, new Date(expiresAt)),
      },
      this.maxConcurrent,
      manager,
    );
    this.metrics.sessionsCreated.inc();
    if (evictedIds.length > 0) {
      this.metrics.sessionsRevoked.inc({ reason: 'evicted' }, evictedIds.length);
      await this.audit.record(
        {
          type: 'session.evicted',
          userId: input.userId,
          details: { sessionIds: evictedIds, newSessionId: created.id },
        },
        manager,
      );
    }
    return created;
  }

  /**
   * The per-request check: the session exists, belongs to the user, is not revoked, idle- or
   * absolute-expired. Extends the idle timer, writing at most once per `touchEveryMs`.
   */
  async assertActive(sessionId: string, userId: string): Promise<void> {
    const session = await this.sessions.findForCheck(sessionId);
    const now = this.clock.now();
    if (!session || session.userId !== userId || !this.isLive(session, now)) {
      throw new SessionException(SessionError.Expired, 'Session expired or revoked');
    }
    if (now.getTime() - session.lastSeenAt.getTime() >= this.touchEveryMs) {
      await this.sessions.touch(
        sessionId,
        now,
        new Date(now.getTime() + this.idleMs),
        new Date(now.getTime() - this.touchEveryMs + 1),
      );
    }
  }

  /** Until when a session used at `now` stays alive without further activity (capped by its absolute expiry). */
  idleDeadline(now: Date): Date {
    return new Date(now.getTime() + this.idleMs);
  }

  /** For refresh: the session must still be live; refreshing counts as activity. */
  async useForRefresh(sessionId: string, manager: EntityManager): Promise<SessionEntity> {
    const session = await this.sessions.findById(sessionId, manager);
    const now = this.clock.now();
    if (!session || !this.isLive(session, now)) {
      throw new SessionException(SessionError.Expired, 'Session expired or revoked');
    }
    await this.sessions.touch(sessionId, now, this.idleDeadline(now), now, manager);
    return session;
  }

  async times(sessionId: string): Promise<SessionTimes> {
    const session = await this.sessions.findById(sessionId);
    if (!session) throw new SessionException(SessionError.NotFound, 'Session not found');
    return this.describeTimes(session);
  }

  findById(sessionId: string, manager?: EntityManager): Promise<SessionEntity | null> {
    return this.sessions.findById(sessionId, manager);
  }

  /** When the session's holder last proved who they are (the sign-in that created it). */
  async signedInAt(sessionId: string): Promise<Date> {
    const session = await this.sessions.findById(sessionId);
    if (!session) throw new SessionException(SessionError.NotFound, 'Session not found');
    return session.createdAt;
  }

  async extend(sessionId: string): Promise<SessionTimes> {
    const now = this.clock.now();
    await this.sessions.extend(sessionId, now, new Date(now.getTime() + this.idleMs));
    return this.times(sessionId);
  }

  /** Every session on record for the user, ended ones included (for the data export). */
  listAllForUser(userId: string): Promise<SessionEntity[]> {
    return this.sessions.listAllForUser(userId);
  }

  /** For account deletion: the rows go, with the addresses and devices they hold. */
  deleteAllForUser(userId: string, manager: EntityManager): Promise<void> {
    return this.sessions.deleteAllForUser(userId, manager);
  }

  countActive(): Promise<number> {
    return this.sessions.countActive(this.clock.now());
  }

  listActive(userId: string): Promise<SessionEntity[]> {
    return this.sessions.listActiveForUser(userId, this.clock.now());
  }

  /** Ends one of the user's own sessions; someone else's is reported as not found. */
  async revokeOwn(userId: string, sessionId: string): Promise<void> {
    const session = await this.sessions.findById(sessionId);
    if (!session || session.userId !== userId || session.revokedAt) {
      throw new SessionException(SessionError.NotFound, 'Session not found');
    }
    await this.revoke(sessionId, 'user_revoked');
  }

  /**
   * Ends one session and audits it in the same transaction (`manager`'s, or its own): a `session.logout`
   * event for a logout, `session.revoked` otherwise. False when it had ended already.
   */
  async revoke(sessionId: string, reason: RevokeReason, manager?: EntityManager): Promise<boolean> {
    if (!manager) return this.dataSource.transaction((own) => this.revoke(sessionId, reason, own));
    const userId = await this.sessions.revoke(sessionId, reason, this.clock.now(), manager);
    if (!userId) return false;
    await this.audit.record(
      {
        type: reason === 'logout' ? 'session.logout' : 'session.revoked',
        userId,
        details: { reason, sessionIds: [sessionId] },
      },
      manager,
    );
    this.metrics.sessionsRevoked.inc({ reason });
    return true;
  }

  /** Ends the user's active sessions (but `keepId`) and audits it in the same transaction; answers how many ended. */
  async revokeAllForUser(userId: string, reason: RevokeReason, options: RevokeAllOptions = {}): Promise<number> {
    const { manager } = options;
    if (!manager) {
      return this.dataSource.transaction((own) => this.revokeAllForUser(userId, reason, { ...options, manager: own }));
    }
    const ended = await this.sessions.revokeAllForUser(userId, reason, this.clock.now(), options.keepId, manager);
    if (ended.length > 0) {
      await this.audit.record(
        { type: 'session.revoked', userId, actorId: options.actorId, details: { reason, sessionIds: ended } },
        manager,
      );
      this.metrics.sessionsRevoked.inc({ reason }, ended.length);
    }
    return ended.length;
  }

  /** After a required password change the session may do everything again (from its next token on). */
  promoteToFull(sessionId: string, manager?: EntityManager): Promise<void> {
    return this.sessions.setScope(sessionId, 'full', manager);
  }

  private isLive(session: Pick<SessionEntity, 'revokedAt' | 'idleExpiresAt' | 'expiresAt'>, now: Date): boolean {
    return !session.revokedAt && session.idleExpiresAt > now && session.expiresAt > now;
  }

  private describeTimes(session: SessionEntity): SessionTimes {
    const warnLeadMs = Math.min(2 * MINUTE, this.idleMs / 4);
    return {
      id: session.id,
      idleExpiresAt: session.idleExpiresAt,
      absoluteExpiresAt: session.expiresAt,
      warnAt: new Date(Math.min(session.idleExpiresAt.getTime(), session.expiresAt.getTime()) - warnLeadMs),
    };
  }
}
