import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { Config } from '../config/configuration';
import { FeatureFlagDto } from './dto/feature-flag.dto';
import { FeatureFlagError, FeatureFlagException } from './feature-flag.exception';
import { FeatureFlagRepository, StoredFlag } from './feature-flag.repository';
import { applyFlagChange, FeatureFlagChange, validateFlagChange } from './flag-change';
import { evaluateFlag, FlagSubject } from './flag-evaluation';
import { FLAG_KEYS, FlagDefinition, FlagKey, FLAGS, FlagSettings, isFlagKey } from './flags';

/** How long a replica trusts its copy of the flags: a change on another replica holds everywhere within it. */
export const FLAG_CACHE_TTL_MS = 5_000;

type FlagRows = ReadonlyMap<string, StoredFlag>;

/**
 * Flags with percentage, role and allow-list targeting. Reads come from a per-replica cache of every row
 * (one small query per 5 seconds at most); `update` is the one way to change a flag and audits the change.
 *
 * Callers inside their own transaction pass its `manager`: the embedded database has one connection, so a
 * read through the pool there would wait for the transaction that waits for it.
 */
@Injectable()
export class FeatureFlagService {
  private cache: { flags: FlagRows; loadedAt: number } | undefined;
  private loading: Promise<FlagRows> | undefined;
  /** Bumped by every local change, so a read that raced the change never lands in the cache. */
  private generation = 0;

  constructor(
    private readonly flags: FeatureFlagRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly config: ConfigService<Config, true>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Every known flag as it stands now, read from the database rather than the cache: what an admin sees is current. */
  async list(): Promise<FeatureFlagDto[]> {
    const rows = new Map((await this.flags.findAll()).map((row) => [row.key, row]));
    return FLAG_KEYS.map((key) => this.view(FLAGS[key], rows.get(key)));
  }

  /**
   * Whether the flag is on for this caller: the full targeting for a user, the flag on for 100% for an
   * anonymous caller. A subject without `email` has it looked up only if the allow-list could decide.
   */
  async isEnabled(key: FlagKey, subject?: FlagSubject, manager?: EntityManager): Promise<boolean> {
    const flag = await this.settings(key, manager);
    if (evaluateFlag(key, flag, subject)) return true;
    if (!subject || subject.email !== undefined || !flag.enabled || flag.allowEmails.length === 0) return false;
    const email = await this.flags.findUserEmail(subject.id, manager);
    return email !== null && evaluateFlag(key, flag, { ...subject, email });
  }

  /** Only the kill switch, for callers that target users themselves (e.g. by the email of an anonymous request). */
  async isSwitchedOn(key: FlagKey, manager?: EntityManager): Promise<boolean> {
    return (await this.settings(key, manager)).enabled;
  }

  /**
   * The one way to change a flag: validates, stores the row and audits `feature_flag.changed` with the
   * state before and after in one transaction, then drops this replica's cache so the change holds here at once.
   */
  async update(key: string, change: FeatureFlagChange, actorId: string): Promise<FeatureFlagDto> {
    const definition = this.definition(key);
    const valid = validateFlagChange(change);
    const updated = await this.dataSource.transaction(async (manager) => {
      const before = this.settingsOf(definition, await this.flags.lockForChange(definition.key, manager));
      const after = applyFlagChange(before, valid);
      const stored: StoredFlag = { key: definition.key, ...after, updatedAt: this.clock.now(), updatedBy: actorId };
      await this.flags.upsert({ ...stored, description: definition.description }, manager);
      await this.audit.record(
        { type: 'feature_flag.changed', actorId, details: { key: definition.key, before, after } },
        manager,
      );
      return stored;
    });
    this.invalidate();
    return this.view(definition, updated);
  }

  /** Forgets the cached flags; the next read goes to the database. */
  private invalidate(): void {
    this.generation++;
    this.cache = undefined;
    this.loading = undefined;
  }

  private definition(key: string): FlagDefinition {
    if (!isFlagKey(key)) {
      throw new FeatureFlagException(
        FeatureFlagError.UnknownFlag,
        `Unknown feature flag ${JSON.stringify(key.slice(0, 64))}`,
      );
    }
    return FLAGS[key];
  }

  private settingsOf(definition: FlagDefinition, stored: StoredFlag | null | undefined): FlagSettings {
    if (!stored) return definition.defaults(this.config.get('ops', { infer: true }));
    const { enabled, rolloutPercent, roles, allowEmails } = stored;
    return { enabled, rolloutPercent, roles, allowEmails };
  }

  private view(definition: FlagDefinition, stored: StoredFlag | undefined): FeatureFlagDto {
    return {
      key: definition.key,
      ...this.settingsOf(definition, stored),
      description: definition.description,
      updatedAt: stored?.updatedAt ?? null,
    };
  }

  private async settings(key: FlagKey, manager?: EntityManager): Promise<FlagSettings> {
    const definition = this.definition(key);
    return this.settingsOf(definition, (await this.rows(manager)).get(key));
  }

  private rows(manager?: EntityManager): Promise<FlagRows> {
    const now = this.clock.now().getTime();
    if (this.cache && now >= this.cache.loadedAt && now - this.cache.loadedAt < FLAG_CACHE_TTL_MS) {
      return Promise.resolve(this.cache.flags);
    }
    // Inside a caller's transaction the read must use its connection: no sharing a read in flight on the pool.
    if (manager) return this.load(now, manager);
    // One read serves every request that finds the cache stale at the same moment.
    this.loading ??= this.load(now);
    return this.loading;
  }

  private load(loadedAt: number, manager?: EntityManager): Promise<FlagRows> {
    const generation = this.generation;
    const promise: Promise<FlagRows> = this.flags
      .findAll(manager)
      .then((rows) => {
        const flags = new Map(rows.map((row) => [row.key, row]));
        if (generation === this.generation) this.cache = { flags, loadedAt };
        return flags;
      })
      .finally(() => {
        if (this.loading === promise) this.loading = undefined;
      });
    return promise;
  }
}
