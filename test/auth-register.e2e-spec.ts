import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { PasswordHasher } from '../src/passwords/password-hasher.service';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { insertLegacyUser, undoMigrationsFrom } from './factories/legacy-user.factory';
import { DEFAULT_PASSWORD, uniqueEmail } from './factories/user.factory';
import { storedUser, storedUsers } from './support/db-inspect';
import { cloneTemplate, TestDatabase } from './support/template-database';
import { startTestApp, TestApp } from './support/test-app';

describe('POST /api/v1/auth/register', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('creates an account and returns it without secrets', async () => {
    const email = uniqueEmail('Ana');
    const res = await t.http.post('/api/v1/auth/register', {
      email: `  ${email}  `,
      password: DEFAULT_PASSWORD,
      displayName: ' Ana ',
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      email,
      displayName: 'Ana',
      roles: ['user'],
      emailVerified: false,
    });
    const stored = await storedUser(t, res.body.id);
    expect(stored?.password_hash).toMatch(/^\$2b\$04\$/);
    expect(stored?.password_hash).not.toContain(DEFAULT_PASSWORD);
  });

  it('answers 409 for an email already taken in another case', async () => {
    const email = uniqueEmail('dup');
    expect((await t.http.post('/api/v1/auth/register', { email, password: DEFAULT_PASSWORD })).status).toBe(201);
    const res = await t.http.post('/api/v1/auth/register', { email: email.toUpperCase(), password: DEFAULT_PASSWORD });
    expect(res.status).toBe(409);
    expect(res.body).toEqual(
      expect.objectContaining({
        statusCode: 409,
        error: 'Conflict',
        code: 'email_taken',
        requestId: expect.any(String),
      }),
    );
  });

  it('lists every password problem in one 400', async () => {
    const res = await t.http.post('/api/v1/auth/register', { email: 'marie@example.com', password: 'marie' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('weak_password');
    expect(res.body.reasons).toEqual(
      expect.arrayContaining([
        'password must be at least 8 characters',
        'password must contain an upper-case letter',
        'password must contain a digit',
        'password must contain a special character',
        'password must not contain your email name',
      ]),
    );
  });

  it('refuses a common password', async () => {
    const res = await t.http.post('/api/v1/auth/register', { email: uniqueEmail(), password: 'P@ssW0rd' });
    expect(res.status).toBe(400);
    expect(res.body.reasons).toContain('password is too common');
  });

  it('refuses unknown fields such as roles, and the account keeps its defaults', async () => {
    const email = uniqueEmail('sneaky');
    const res = await t.http.post('/api/v1/auth/register', {
      email,
      password: DEFAULT_PASSWORD,
      roles: ['admin'],
      mfaEnabled: true,
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(
      expect.arrayContaining(['property roles should not exist', 'property mfaEnabled should not exist']),
    );
    const rows = (await storedUsers(t)).filter((user) => String(user.email).toLowerCase() === email.toLowerCase());
    expect(rows).toEqual([]);
  });

  it('validates the email and display name', async () => {
    const res = await t.http.post('/api/v1/auth/register', {
      email: 'not-an-email',
      password: DEFAULT_PASSWORD,
      displayName: 'x'.repeat(101),
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(
      expect.arrayContaining(['email must be a valid email address', expect.stringContaining('displayName')]),
    );
  });

  describe('look-alike and hidden-character emails', () => {
    const register = (email: string) => t.http.post('/api/v1/auth/register', { email, password: DEFAULT_PASSWORD });
    /** The reply without the part that differs per request, to compare two refusals. */
    const refusal = (body: Record<string, unknown>) => ({ ...body, requestId: expect.any(String) });

    it.each([
      ['a zero-width space', '\u200b'],
      ['a right-to-left override', '\u202e'],
      ['a left-to-right isolate', '\u2066'],
      ['a soft hyphen', '\u00ad'],
      ['a zero-width joiner', '\u200d'],
    ])('refuses an email with %s, and no account is made', async (_name, hidden) => {
      const email = uniqueEmail('hidden').replace('@', `${hidden}@`);
      const res = await register(email);
      expect(res.status).toBe(400);
      expect(res.body.message).toContain('email must not contain invisible, control or direction-changing characters');
      const rows = (await storedUsers(t)).filter((user) =>
        [email, email.replace(hidden, '')].includes(String(user.email)),
      );
      expect(rows).toEqual([]);
    });

    it('stores a decomposed email in NFC, and signs in typed either way', async () => {
      const composed = uniqueEmail('jos\u00e9');
      const decomposed = composed.normalize('NFD');
      expect(decomposed).not.toBe(composed);
      const res = await register(decomposed);
      expect(res.status).toBe(201);
      expect(res.body.email).toBe(composed);
      expect((await storedUser(t, res.body.id))?.email).toBe(composed);
      for (const typed of [decomposed, composed]) {
        const signedIn = await t.http.post('/api/v1/auth/login', { email: typed, password: DEFAULT_PASSWORD });
        expect(signedIn.body.status).toBe('authenticated');
      }
    });

    it('refuses a Cyrillic look-alike of an existing email with the 409 of a duplicate', async () => {
      const original = uniqueEmail('root-admin');
      expect((await register(original)).status).toBe(201);
      const duplicate = await register(original);
      const lookAlike = await register(original.replace(/o/g, '\u043e'));
      expect(lookAlike.status).toBe(409);
      expect(duplicate.status).toBe(409);
      expect(refusal(lookAlike.body)).toEqual(refusal(duplicate.body));
      expect(lookAlike.body.code).toBe('email_taken');
      const users = await storedUsers(t);
      const skeleton = users.find((user) => user.email === original)?.email_skeleton;
      expect(skeleton).toEqual(expect.any(String));
      expect(users.filter((user) => user.email_skeleton === skeleton)).toHaveLength(1);
    });

    it('refuses a look-alike in another case and in Greek letters', async () => {
      const original = uniqueEmail('paypal');
      expect((await register(original)).status).toBe(201);
      const [local, domain] = original.split('@');
      const greek = local.replace('paypal', '\u03c1\u03b1y\u03c1\u03b1l');
      for (const lookAlike of [`${local.toUpperCase()}@${domain}`, `${greek}@${domain}`]) {
        expect((await register(lookAlike)).status).toBe(409);
      }
    });

    it('still registers a distinct email: an accented twin, another letter', async () => {
      const original = uniqueEmail('rene');
      expect((await register(original)).status).toBe(201);
      expect((await register(original.replace('rene', 'ren\u00e9'))).status).toBe(201);
      expect((await register(original.replace('rene', 'rent'))).status).toBe(201);
    });

    it('lets one of two racing look-alike registrations win; the other gets 409, never 500', async () => {
      const original = uniqueEmail('race');
      const replies = await Promise.all([register(original), register(original.replace('a', '\u0430'))]);
      expect(replies.map((res) => res.status).sort()).toEqual([201, 409]);
    });
  });

  it('answers malformed JSON with 400 in the error shape', async () => {
    const res = await t.http.request('POST', '/api/v1/auth/register', {
      raw: '{"email": "a@b.c", ',
      headers: { 'content-type': 'application/json', 'x-request-id': 'bad-json' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: expect.any(String),
      code: 'invalid_json',
      requestId: 'bad-json',
    });
  });

  it('answers an unsupported content type with 415', async () => {
    const res = await t.http.request('POST', '/api/v1/auth/register', {
      raw: 'email=a@b.c',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(415);
    expect(res.body).toEqual(expect.objectContaining({ statusCode: 415, error: 'Unsupported Media Type' }));
  });

  it('answers a body over 100 kB with 413', async () => {
    const res = await t.http.post('/api/v1/auth/register', {
      email: uniqueEmail(),
      password: DEFAULT_PASSWORD,
      displayName: 'x'.repeat(110_000),
    });
    expect(res.status).toBe(413);
    expect(res.body).toEqual(expect.objectContaining({ statusCode: 413, error: 'Payload Too Large' }));
  });

  it('answers a JSON array or scalar body with 400, never 500', async () => {
    for (const raw of ['[]', '"text"', 'null', '42']) {
      const res = await t.http.request('POST', '/api/v1/auth/register', {
        raw,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
    }
  });
});

describe('the migration that adds email skeletons to existing accounts', () => {
  const MIGRATION = 'EmailSkeleton1763700900000';
  let database: TestDatabase;
  let dataSource: DataSource;
  let passwordHash: string;

  beforeAll(async () => {
    database = await cloneTemplate();
    const t = await startTestApp({ database });
    passwordHash = await t.app.get(PasswordHasher).hash(DEFAULT_PASSWORD);
    await t.close();
    dataSource = await new DataSource(typeOrmOptions(database.url, 1)).initialize();
    await undoMigrationsFrom(dataSource, MIGRATION);
  });

  afterAll(async () => {
    if (dataSource.isInitialized) await dataSource.destroy();
    await database.drop();
  });

  it('keeps the oldest of legacy look-alikes, puts emails in NFC, and refuses new look-alikes', async () => {
    const insert = (email: string, createdAt: string, deleted = false) =>
      insertLegacyUser(dataSource, { email, passwordHash, createdAt, deleted });
    const oldest = await insert('root-admin@example.com', '2025-01-01T00:00:00.000001Z');
    const younger = await insert('r\u043e\u043et-admin@example.com', '2025-01-01T00:00:00.000002Z');
    const decomposed = await insert('jose\u0301@example.com', '2025-02-01T00:00:00Z');
    const composedTwin = await insert('ren\u00e9@example.com', '2025-03-01T00:00:00Z');
    const decomposedTwin = await insert('rene\u0301@example.com', '2025-03-02T00:00:00Z');
    const deleted = await insert(`deleted-${randomUUID()}@deleted.invalid`, '2025-04-01T00:00:00Z', true);

    await dataSource.runMigrations();

    const rows = await storedUsers({ dataSource });
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get(oldest)?.email_skeleton).toEqual(expect.any(String));
    expect(byId.get(younger)?.email_skeleton).toBeNull();
    expect(byId.get(decomposed)?.email).toBe('jos\u00e9@example.com');
    expect(byId.get(decomposed)?.email_skeleton).toEqual(expect.any(String));
    expect(byId.get(composedTwin)?.email_skeleton).toEqual(expect.any(String));
    expect(byId.get(decomposedTwin)).toEqual(
      expect.objectContaining({ email: 'rene\u0301@example.com', email_skeleton: null }),
    );
    expect(byId.get(deleted)?.email_skeleton).toBeNull();
    await dataSource.destroy();

    const t = await startTestApp({ database });
    try {
      const lookAlike = await t.http.post('/api/v1/auth/register', {
        email: 'r\u043eot-admin@example.com',
        password: DEFAULT_PASSWORD,
      });
      expect(lookAlike.status).toBe(409);
      const legacy = await t.http.post('/api/v1/auth/login', {
        email: 'jose\u0301@example.com',
        password: DEFAULT_PASSWORD,
      });
      expect(legacy.body.status).toBe('authenticated');
    } finally {
      await t.close();
    }
  });
});
