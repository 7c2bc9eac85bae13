import { ModulesContainer } from '@nestjs/core';
import { SchedulerRegistry } from '@nestjs/schedule';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AdminBootstrap } from '../src/users/admin-bootstrap.service';
import { UserAdminService } from '../src/users/user-admin.service';
import { createCliContext } from '../src/cli/cli.module';
import { loadConfig } from '../src/config/configuration';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { SessionCleanupJob } from '../src/session/session-cleanup.job';
import { tamperWithAuditEvent } from './factories/audit.factory';
import { enroll } from './factories/mfa.factory';
import { login, registerUser, signedInUser } from './factories/user.factory';
import { storedAuditEvents, storedRowsOf } from './support/db-inspect';
import { emptyDatabase } from './support/empty-database';
import { HttpClient } from './support/http-client';
import { runCli } from './support/cli-process';
import { claimsOf } from './support/jwt';
import { eventually, freePort, ServiceProcess, spawnService } from './support/service-process';
import { TestClock } from './support/test-clock';
import { cloneTemplate, TestDatabase } from './support/template-database';
import { startTestApp, TEST_ENV } from './support/test-app';

const REPO = join(__dirname, '..');

describe('npm run cli', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await cloneTemplate();
  });

  afterAll(async () => {
    await database.drop();
  });

  it('cleanup deletes sessions that ended long ago', async () => {
    // The test clock starts in January 2026: by the CLI's (system) clock these sessions ended long ago.
    const t = await startTestApp({ database });
    const user = await registerUser(t.http);
    const session = await login(t.http, user);
    await t.http.post('/api/v1/auth/logout', undefined, { token: session.accessToken });
    await t.close();

    const result = await runCli(['cleanup'], {
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: String(database.poolSize),
    });
    expect(result.output).toMatch(/cleanup: deleted [1-9]\d* session\(s\) and [1-9]\d* refresh token\(s\)/);
    expect(result.code).toBe(0);

    const dataSource = new DataSource(typeOrmOptions(database.url, 1));
    await dataSource.initialize();
    try {
      expect(await storedRowsOf({ dataSource }, 'sessions', user.id)).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('rotate-mfa-key re-encrypts TOTP secrets so the old key can go', async () => {
    const oldKey = 'a1'.repeat(32);
    const newKey = 'b2'.repeat(32);
    const clock = new TestClock();
    const before = await startTestApp({ database, clock, env: { MFA_ENCRYPTION_KEY: oldKey } });
    const user = await signedInUser(before.http);
    const enrollment = await enroll(before.http, clock, user.accessToken);
    await before.close();

    const result = await runCli(['rotate-mfa-key'], {
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: String(database.poolSize),
      MFA_ENCRYPTION_KEY: newKey,
      MFA_ENCRYPTION_KEYS_OLD: oldKey,
    });
    expect(result.output).toContain('rotate-mfa-key: re-encrypted 1 user(s)');
    expect(result.code).toBe(0);

    const after = await startTestApp({ database, clock, env: { MFA_ENCRYPTION_KEY: newKey } });
    try {
      const [rotated] = await storedAuditEvents(after, { type: 'mfa.keys_rotated' });
      expect(rotated).toEqual(
        expect.objectContaining({ actor_id: 'cli', details: { reencrypted: 1, keyId: expect.any(String) } }),
      );
      const first = await after.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
      const second = await after.http.post('/api/v1/auth/login/2fa', {
        mfaToken: first.body.mfaToken,
        code: enrollment.codeAt(clock.now()),
      });
      expect(second.status).toBe(200);
    } finally {
      await after.close();
    }
  });

  it('audit-verify walks the hash chain: exit 0 when intact, 1 naming the first edited event', async () => {
    const t = await startTestApp({ database });
    await registerUser(t.http);
    await registerUser(t.http);
    await t.close();
    const env = { DATABASE_URL: database.url, DATABASE_POOL_SIZE: String(database.poolSize) };

    const intact = await runCli(['audit-verify'], env);
    expect(intact.output).toMatch(/audit-verify: ok, [1-9]\d* event\(s\) checked/);
    expect(intact.code).toBe(0);

    const dataSource = new DataSource(typeOrmOptions(database.url, 1));
    await dataSource.initialize();
    let victim: string;
    try {
      const events = await storedAuditEvents({ dataSource });
      victim = events[events.length - 1].id;
      await tamperWithAuditEvent({ dataSource }, victim, { type: 'user.deleted' });
    } finally {
      await dataSource.destroy();
    }
    const broken = await runCli(['audit-verify'], env);
    expect(broken.code).toBe(1);
    expect(broken.output).toContain(`audit-verify: chain broken at event ${victim}`);
  });

  it('migrate applies the migrations to an empty database, once', async () => {
    const empty = await emptyDatabase('twofold_migrate');
    try {
      const first = await runCli(['migrate'], empty.env);
      expect(first.output).toMatch(/migrate: applied [1-9]\d* migration\(s\)/);
      expect(first.code).toBe(0);
      const again = await runCli(['migrate'], empty.env);
      expect(again.output).toContain('migrate: applied 0 migration(s)');
    } finally {
      await empty.drop();
    }
  });

  it('create-admin, unlock and disable-2fa do support work without SQL, audited with the cli actor', async () => {
    const clock = new TestClock();
    const env = { DATABASE_URL: database.url, DATABASE_POOL_SIZE: String(database.poolSize) };
    const created = await runCli(['create-admin', '--email', 'ops@example.com'], env, 'Cli-Adm1n-Passw0rd!\n');
    expect(created.output).toContain('create-admin: created admin ops@example.com');
    expect(created.code).toBe(0);
    const weak = await runCli(['create-admin', '--email', 'ops2@example.com'], env, 'weak\n');
    expect(weak.code).toBe(1);
    expect(weak.output).toContain('create-admin: Password does not meet the policy');
    expect(weak.output).toMatch(/\n  - .+/);
    const hidden = await runCli(['create-admin', '--email', 'ops\u200b3@example.com'], env, 'Cli-Adm1n-Passw0rd!\n');
    expect(hidden.code).toBe(1);
    expect(hidden.output).toContain(
      'create-admin: email must not contain invisible, control or direction-changing characters',
    );

    const t = await startTestApp({ database, clock, env: { MAX_FAILED_LOGIN_ATTEMPTS: '1' } });
    let userEmail: string;
    try {
      const admin = await login(t.http, { email: 'ops@example.com', password: 'Cli-Adm1n-Passw0rd!' });
      expect(claimsOf(admin.accessToken).roles).toEqual(['user', 'admin']);
      const lookAlike = await t.http.post('/api/v1/auth/register', {
        email: '\u043eps@example.com',
        password: 'Str0ng!Passw0rd-42',
      });
      expect(lookAlike.status).toBe(409);
      const user = await signedInUser(t.http);
      userEmail = user.email;
      await enroll(t.http, clock, user.accessToken);
      const locked = await t.http.post('/api/v1/auth/login', { email: user.email, password: 'Wrong-Passw0rd!' });
      expect(locked.status).toBe(423);
    } finally {
      await t.close();
    }

    const unlocked = await runCli(['unlock', '--email', userEmail], env);
    expect(unlocked.output).toContain(`unlock: ${userEmail} can sign in again`);
    expect(unlocked.code).toBe(0);
    const noReason = await runCli(['disable-2fa', '--email', userEmail], env);
    expect(noReason.code).toBe(2);
    expect(noReason.output).toContain('--reason is required');
    const disabled = await runCli(['disable-2fa', '--email', userEmail, '--reason', 'Lost phone, ID checked'], env);
    expect(disabled.output).toContain(`disable-2fa: two-factor authentication is off for ${userEmail}`);
    expect(disabled.code).toBe(0);
    const unknown = await runCli(['unlock', '--email', 'nobody@example.com'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.output).toContain('no account with the email nobody@example.com');

    const after = await startTestApp({ database, clock });
    try {
      const signedIn = await after.http.post('/api/v1/auth/login', {
        email: userEmail,
        password: 'Str0ng!Passw0rd-42',
      });
      expect(signedIn.body.status).toBe('authenticated');
      const rows = (await storedAuditEvents(after)).filter(
        (event) => event.actor_id === 'cli' && event.type !== 'mfa.keys_rotated',
      );
      expect(rows.map((row) => row.type)).toEqual([
        'admin.created',
        'account.unlocked',
        'session.revoked',
        'mfa.disabled',
      ]);
      expect(rows[3].details).toEqual(expect.objectContaining({ by: 'admin', reason: 'Lost phone, ID checked' }));
    } finally {
      await after.close();
    }
  });

  it('prints the usage on standard output with exit code 0 for --help, -h, no command and <command> --help', async () => {
    for (const args of [['--help'], ['-h'], [], ['unlock', '--help']]) {
      const result = await runCli(args, {});
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 0, stderr: '' });
      expect(result.stdout).toMatch(/^usage: npm run cli -- <command> \[options\]\n/);
      expect(result.stdout).toContain('  -h, --help ');
    }
  });

  it('answers an unknown command with the usage on standard error and exit code 2', async () => {
    const result = await runCli(['frobnicate'], {});
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^unknown command: frobnicate\nusage: npm run cli -- <command>/);
  });

  it('boots no HTTP listener or routes, no cron job and no admin bootstrap', async () => {
    const env = {
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: String(database.poolSize),
      ADMIN_EMAIL: 'bootstrap-admin@example.com',
      ADMIN_PASSWORD: 'Str0ng!Passw0rd-42',
    };
    // The service would create this admin at boot; a CLI command must not.
    const cleanup = await runCli(['cleanup'], env);
    expect(cleanup.output).toMatch(/^cleanup: deleted /);
    expect(cleanup.code).toBe(0);

    const listeners = () => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPServerWrap').length;
    const before = listeners();
    const app = await createCliContext(loadConfig({ ...TEST_ENV, ...env }));
    try {
      expect(listeners()).toBe(before);
      const modules = [...app.get(ModulesContainer).values()];
      expect(modules.flatMap((module) => [...module.controllers.keys()])).toEqual([]);
      const providers = modules.flatMap((module) => [...module.providers.keys()]);
      for (const serviceOnly of [SchedulerRegistry, SessionCleanupJob, AdminBootstrap]) {
        expect(providers).not.toContain(serviceOnly);
      }
      expect(await app.get(UserAdminService).findByEmail(env.ADMIN_EMAIL)).toBeNull();
    } finally {
      await app.close();
    }
  });
});

describe('npm run cli while the service runs on the embedded database', () => {
  const password = 'Str0ng!Passw0rd-42';
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'twofold-embedded-'));
  });

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function startService(): Promise<{ service: ServiceProcess; http: HttpClient }> {
    const port = await freePort();
    const service = spawnService({
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      JWT_SECRET: 'x'.repeat(40),
      MFA_ENCRYPTION_KEY: 'cd'.repeat(32),
      BCRYPT_COST: '4',
      RATE_LIMIT_ENABLED: 'false',
      MAX_FAILED_LOGIN_ATTEMPTS: '1',
    });
    const http = new HttpClient(`http://127.0.0.1:${port}`);
    await eventually(async () => {
      const res = await http.get('/health/ready');
      if (res.status !== 200) throw new Error(`ready: ${res.status}`);
    });
    return { service, http };
  }

  it("reaches the service's database, and a second service or a stale lock never opens it twice", async () => {
    const first = await startService();
    let email: string;
    try {
      ({ email } = await registerUser(first.http, { password }));
      expect((await first.http.post('/api/v1/auth/login', { email, password: 'Wrong-Passw0rd!' })).status).toBe(423);

      const unlocked = await runCli(['unlock', '--email', email], { DATA_DIR: dataDir });
      expect(unlocked.output).toContain(`unlock: ${email} can sign in again`);
      expect(unlocked.code).toBe(0);
      const signedIn = await first.http.post('/api/v1/auth/login', { email, password });
      expect(signedIn.body.status).toBe('authenticated');
      const migrated = await runCli(['migrate'], { DATA_DIR: dataDir });
      expect(migrated.output).toContain('migrate: applied 0 migration(s)');

      const port = await freePort();
      const second = spawnService({
        NODE_ENV: 'test',
        PORT: String(port),
        DATA_DIR: dataDir,
        JWT_SECRET: 'x'.repeat(40),
        MFA_ENCRYPTION_KEY: 'cd'.repeat(32),
      });
      expect(await second.exited).toBe(1);
      expect(second.output()).toContain(
        `the embedded database in DATA_DIR ${dataDir} is open in another process (pid ${first.service.child.pid}`,
      );
      expect(second.output()).toContain('stop it or use DATABASE_URL');
      expect((await first.http.post('/api/v1/auth/login', { email, password })).status).toBe(200);
    } finally {
      first.service.child.kill('SIGKILL');
      await first.service.exited;
    }

    // Killed: the lock file names a dead process, and the next service takes it over.
    const again = await startService();
    try {
      expect((await again.http.post('/api/v1/auth/login', { email, password })).body.status).toBe('authenticated');
    } finally {
      again.service.child.kill('SIGTERM');
      expect(await again.service.exited).toBe(0);
    }
    const alone = await runCli(['unlock', '--email', email], { DATA_DIR: dataDir });
    expect(alone.code).toBe(0);
    // Two boots on PGlite, four processes and three CLI runs: more than the default minute when both cores are busy.
  }, 150_000);
});

describe('npm run cli: the launcher in scripts/', () => {
  let root: string;
  const launcher = () => join(root, 'scripts', 'cli.mjs');
  const main = () => join(root, 'dist', 'src', 'cli', 'main.js');
  const source = () => join(root, 'src', 'cli', 'main.ts');
  const at = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000);

  beforeEach(() => {
    // A project of its own: the launcher, one source file and a "build" that echoes its arguments.
    root = mkdtempSync(join(tmpdir(), 'twofold-launcher-'));
    for (const dir of ['scripts', 'src/cli', 'dist/src/cli']) mkdirSync(join(root, dir), { recursive: true });
    copyFileSync(join(REPO, 'scripts', 'cli.mjs'), launcher());
    writeFileSync(source(), 'export {};\n');
    writeFileSync(main(), 'process.stdout.write(JSON.stringify(process.argv.slice(2)));\n');
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('is what `npm run cli` runs, with no build before it', () => {
    const { scripts } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(scripts.cli).toBe('node scripts/cli.mjs');
    expect(scripts.precli).toBeUndefined();
  });

  it('runs the build in dist/ with the arguments, without building', async () => {
    utimesSync(source(), at(60), at(60));
    const result = await runCli(['unlock', '--email', 'a@example.com'], {}, '', launcher());
    expect(result).toEqual(expect.objectContaining({ code: 0, stderr: '' }));
    expect(JSON.parse(result.stdout)).toEqual(['unlock', '--email', 'a@example.com']);
  });

  it('refuses a build older than the sources, or none, with one line naming `npm run build`', async () => {
    utimesSync(main(), at(60), at(60));
    const stale = await runCli(['audit-verify'], {}, '', launcher());
    expect(stale).toEqual(
      expect.objectContaining({
        code: 1,
        stdout: '',
        stderr: 'npm run cli: src/cli/main.ts is newer than the build in dist/; run `npm run build` first\n',
      }),
    );

    rmSync(join(root, 'dist'), { recursive: true });
    const missing = await runCli(['audit-verify'], {}, '', launcher());
    expect(missing).toEqual(
      expect.objectContaining({
        code: 1,
        stdout: '',
        stderr: 'npm run cli: no build in dist/; run `npm run build` first\n',
      }),
    );
  });
});
