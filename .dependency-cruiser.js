/**
 * Dependency rules for src/, run by `npm run check` (see docs: https://github.com/sverweij/dependency-cruiser).
 *
 * Layers, bottom to top; a layer may import only its own and lower layers:
 *   1. base:           common, config, database
 *   2. infrastructure: logging, metrics, redis, mail, rate-limit — what every feature uses and no feature
 *                      owns (a log line, a counter, a Redis connection, an outgoing mail, a throttle)
 *   3. features:       audit, users, passwords, lockout, tokens, auth, account, mfa, session, devices, feature-flags,
 *                      health (with no cycle between them)
 *   4. composition:    admin (controllers composing the features), cli (its own CliModule), and the root files
 *                      (app.module, app.factory, main, domain-errors, swagger, shutdown), which may import anything.
 *   admin and cli do not import each other.
 *
 * Type-only imports count (tsPreCompilationDeps: true): a cycle through a type still ties two files' designs
 * together and returns as a runtime cycle the day the type becomes a value (an enum, a class), so it is
 * removed now rather than allowed by a tool setting.
 */
const BASE = '^src/(common|config|database)/';
const INFRA = '^src/(logging|metrics|redis|mail|rate-limit)/';
const FEATURES = '^src/(audit|users|passwords|lockout|tokens|auth|account|mfa|session|devices|feature-flags|health)/';
const COMPOSITION = '^src/(admin/|cli/|[^/]+$)';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No file reaches itself through its imports.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-circular-between-folders',
      severity: 'error',
      comment: 'No folder (module) reaches itself through another folder, even when no single file cycle exists.',
      scope: 'folder',
      from: { path: '^src/[^/]+' },
      to: { circular: true },
    },
    {
      name: 'base-imports-base-only',
      severity: 'error',
      comment: 'common, config and database are used by everything and import nothing above them.',
      from: { path: BASE },
      to: { path: '^src/', pathNot: BASE },
    },
    {
      name: 'infrastructure-imports-no-feature',
      severity: 'error',
      comment: 'logging, metrics, redis, mail and rate-limit serve the features and never reach into one.',
      from: { path: INFRA },
      to: { path: [FEATURES, COMPOSITION] },
    },
    {
      name: 'features-import-no-composition',
      severity: 'error',
      comment: 'A feature never imports admin, cli or a root file: those compose the features, not the reverse.',
      from: { path: FEATURES },
      to: { path: COMPOSITION },
    },
    {
      name: 'admin-and-cli-apart',
      severity: 'error',
      comment: 'The admin controllers and the CLI are two separate entry points over the same features.',
      from: { path: '^src/(admin|cli)/' },
      to: { path: '^src/(admin|cli)/', pathNot: '^src/$1/' },
    },
    {
      name: 'every-folder-has-a-layer',
      severity: 'error',
      comment: 'A new top-level folder under src/ must be added to a layer above.',
      from: { path: '^src/[^/]+/', pathNot: [BASE, INFRA, FEATURES, COMPOSITION] },
      to: {},
    },
  ],
  options: {
    // Unit specs may import test helpers (test/support); the rules are about the service's own code.
    exclude: { path: '\\.spec\\.ts$' },
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
