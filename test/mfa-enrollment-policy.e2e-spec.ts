import { authenticator } from './factories/mfa.factory';
import { registerUser } from './factories/user.factory';
import { claimsOf } from './support/jwt';
import { startTestApp, TestApp } from './support/test-app';

describe('MFA_ENROLLMENT', () => {
  let t: TestApp;

  afterEach(async () => {
    await t.close();
  });

  async function loginFresh() {
    const user = await registerUser(t.http);
    const res = await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
    expect(res.status).toBe(200);
    return { user, body: res.body };
  }

  it('none: login says none and skipping is harmless', async () => {
    t = await startTestApp({ env: { MFA_ENROLLMENT: 'none' } });
    const { body } = await loginFresh();
    expect(body.mfaEnrollment).toBe('none');
    expect((await t.http.post('/api/v1/2fa/skip', undefined, { token: body.accessToken })).status).toBe(204);
  });

  it('recommended: login says recommended with a full token, and skip is allowed', async () => {
    t = await startTestApp({ env: { MFA_ENROLLMENT: 'recommended' } });
    const { body } = await loginFresh();
    expect(body.mfaEnrollment).toBe('recommended');
    expect(claimsOf(body.accessToken).scope).toBe('full');
    expect((await t.http.post('/api/v1/2fa/skip', undefined, { token: body.accessToken })).status).toBe(204);
    expect((await t.http.get('/api/v1/sessions', { token: body.accessToken })).status).toBe(200);
  });

  it('required: login gives a token that only enrolls, until enrolled', async () => {
    t = await startTestApp({ env: { MFA_ENROLLMENT: 'required' } });
    const { user, body } = await loginFresh();
    expect(body.mfaEnrollment).toBe('required');
    const token = body.accessToken as string;
    expect(claimsOf(token).scope).toBe('mfa_enrollment');
    expect((await t.http.get('/api/v1/sessions', { token })).status).toBe(403);
    expect((await t.http.get('/api/v1/2fa/status', { token })).status).toBe(403);
    expect((await t.http.get('/api/v1/auth/me', { token })).status).toBe(200);
    const skip = await t.http.post('/api/v1/2fa/skip', undefined, { token });
    expect(skip.status).toBe(403);
    expect(skip.body.code).toBe('mfa_enrollment_required');

    const setup = await t.http.post('/api/v1/2fa/setup', undefined, { token });
    expect(setup.status).toBe(200);
    const verify = await t.http.post(
      '/api/v1/2fa/verify',
      { code: authenticator(setup.body.secret).codeAt(t.clock.now()) },
      { token },
    );
    expect(verify.status).toBe(200);
    const refreshed = await t.http.post('/api/v1/auth/refresh', { refreshToken: body.refreshToken });
    expect(claimsOf(refreshed.body.accessToken).scope).toBe('full');
    expect((await t.http.get('/api/v1/sessions', { token: refreshed.body.accessToken })).status).toBe(200);

    const next = await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
    expect(next.body.status).toBe('mfa_required');
  });
});
