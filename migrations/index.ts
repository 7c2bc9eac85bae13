import { CreateUsers1763700000000 } from './1763700000000-create-users';
import { CreateSessions1763700100000 } from './1763700100000-create-sessions';
import { CreateMfa1763700200000 } from './1763700200000-create-mfa';
import { CreateAuditEvents1763700300000 } from './1763700300000-create-audit-events';
import { CreateOneTimeTokens1763700400000 } from './1763700400000-create-one-time-tokens';
import { CreateFeatureFlags1763700500000 } from './1763700500000-create-feature-flags';
import { IndexRefreshTokensSession1763700600000 } from './1763700600000-index-refresh-tokens-session';
import { CreateAuditAppend1763700700000 } from './1763700700000-create-audit-append';
import { AuditPurgeChainPrefix1763700800000 } from './1763700800000-audit-purge-chain-prefix';
import { EmailSkeleton1763700900000 } from './1763700900000-email-skeleton';
import { CreateWebauthn1763701000000 } from './1763701000000-create-webauthn';
import { CreateTrustedDevices1763701100000 } from './1763701100000-create-trusted-devices';
import { RefreshTokenLineage1763701200000 } from './1763701200000-refresh-token-lineage';
import { RefreshTokenWriteIndexes1763701300000 } from './1763701300000-refresh-token-write-indexes';
import { SessionDependentsByStatement1763701400000 } from './1763701400000-session-dependents-by-statement';

/** Every migration, in order. `npm run migration:generate` writes a new file; add its class here. */
export const migrations = [
  CreateUsers1763700000000,
  CreateSessions1763700100000,
  CreateMfa1763700200000,
  CreateAuditEvents1763700300000,
  CreateOneTimeTokens1763700400000,
  CreateFeatureFlags1763700500000,
  IndexRefreshTokensSession1763700600000,
  CreateAuditAppend1763700700000,
  AuditPurgeChainPrefix1763700800000,
  EmailSkeleton1763700900000,
  CreateWebauthn1763701000000,
  CreateTrustedDevices1763701100000,
  RefreshTokenLineage1763701200000,
  RefreshTokenWriteIndexes1763701300000,
  SessionDependentsByStatement1763701400000,
];
