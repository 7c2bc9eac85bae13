import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { enroll } from './factories/mfa.factory';
import { login, registerUser, signedInUser } from './factories/user.factory';
import { TestClock } from './support/test-clock';
import { cloneTemplate, TestDatabase } from './support/template-database';
import { startTestApp } from './support/test-app';

const CLI = join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        JWT_SECRET: 'x'.repeat(40),
        MFA_ENCRYPTION_KEY: 'cd'.repeat(32),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

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
      const rows = await dataSource.query(`SELECT id FROM sessions WHERE user_id = $1`, [user.id]);
      expect(rows).toEqual([]);
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
      [{ id: victim }] = await dataSource.query(`SELECT id::text AS id FROM audit_events ORDER BY id DESC LIMIT 1`);
      await dataSource.query(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change`);
      await dataSource.query(`UPDATE audit_events SET type = 'user.deleted' WHERE id = $1`, [victim]);
      await dataSource.query(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change`);
    } finally {
      await dataSource.destroy();
    }
    const broken = await runCli(['audit-verify'], env);
    expect(broken.code).toBe(1);
    expect(broken.output).toContain(`audit-verify: chain broken at event ${victim}`);
  });

  it('answers an unknown command with the usage and exit code 2', async () => {
    const result = await runCli(['frobnicate'], {});
    expect(result.code).toBe(2);
    expect(result.output).toContain('unknown command: frobnicate');
    expect(result.output).toContain('usage: npm run cli -- <command>');
  });
});
