import { FeatureFlagService } from '../src/feature-flags/feature-flag.service';
import { registerAdmin } from './factories/admin.factory';
import { enroll } from './factories/mfa.factory';
import { login, registerUser } from './factories/user.factory';
import { storedAuditEvents } from './support/db-inspect';
import { claimsOf } from './support/jwt';
import { startTestApp, TestApp } from './support/test-app';

const DAY = 86_400_000;

describe('MFA enforcement by the mfa_enforcement flag', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { MFA_ENFORCEMENT_GRACE_DAYS: '7', MFA_ENROLLMENT: 'none' } });
    await t.app
      .get(FeatureFlagService)
      .update('mfa_enforcement', { enabled: true, rolloutPercent: 0, roles: ['admin'] }, 'test');
  });

  afterAll(async () => {
    await t.close();
  });

  it('recommends 2FA with the grace end to targeted users, then confines them to enrolling', async () => {
    const user = await registerAdmin(t);
    const first = await login(t.http, user);
    const graceEndsAt = new Date(t.clock.now().getTime() + 7 * DAY).toISOString();
    expect(first).toEqual(
      expect.objectContaining({
        status: 'authenticated',
        mfaEnrollment: 'recommended',
        mfaEnrollmentGraceEndsAt: graceEndsAt,
      }),
    );
    expect((await t.http.post('/api/v1/2fa/skip', undefined, { token: first.accessToken })).status).toBe(204);
    expect(await storedAuditEvents(t, { userId: user.id, type: 'mfa.enrollment_skipped' })).toHaveLength(1);

    // The grace counts from the first login it applied to, not from each login.
    t.clock.advance(3 * DAY);
    const again = await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
    expect(again.body.mfaEnrollmentGraceEndsAt).toBe(graceEndsAt);

    t.clock.advance(4 * DAY + 1000);
    const late = await login(t.http, user);
    expect(late).toEqual(expect.objectContaining({ status: 'authenticated', mfaEnrollment: 'required' }));
    expect(late).not.toHaveProperty('mfaEnrollmentGraceEndsAt');
    expect(claimsOf(late.accessToken).scope).toBe('mfa_enrollment');
    expect((await t.http.get('/api/v1/sessions', { token: late.accessToken })).status).toBe(403);
    expect((await t.http.post('/api/v1/2fa/skip', undefined, { token: late.accessToken })).status).toBe(403);

    await enroll(t.http, t.clock, late.accessToken);
    const after = await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
    expect(after.body.status).toBe('mfa_required');
  });

  it('leaves users the flag does not target alone', async () => {
    const user = await registerUser(t.http);
    const session = await login(t.http, user);
    expect(session).toEqual(expect.objectContaining({ mfaEnrollment: 'none' }));
    expect(session).not.toHaveProperty('mfaEnrollmentGraceEndsAt');
  });
});

describe('registration_open', () => {
  it('closes registration with 403 registration_closed while off', async () => {
    const t = await startTestApp();
    try {
      const flags = t.app.get(FeatureFlagService);
      await flags.update('registration_open', { enabled: false }, 'test');
      const closed = await t.http.post('/api/v1/auth/register', {
        email: 'late@example.com',
        password: 'Str0ng!Passw0rd-42',
      });
      expect(closed.status).toBe(403);
      expect(closed.body.code).toBe('registration_closed');
      await flags.update('registration_open', { enabled: true }, 'test');
      expect(
        (await t.http.post('/api/v1/auth/register', { email: 'late@example.com', password: 'Str0ng!Passw0rd-42' }))
          .status,
      ).toBe(201);
    } finally {
      await t.close();
    }
  });
});
