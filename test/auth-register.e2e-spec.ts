import { DEFAULT_PASSWORD, uniqueEmail } from './factories/user.factory';
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
    const [row] = await t.dataSource.query(`SELECT password_hash FROM users WHERE id = $1`, [res.body.id]);
    expect(row.password_hash).toMatch(/^\$2b\$04\$/);
    expect(row.password_hash).not.toContain(DEFAULT_PASSWORD);
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
    const rows = await t.dataSource.query(`SELECT id FROM users WHERE lower(email) = lower($1)`, [email]);
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
