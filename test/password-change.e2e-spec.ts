import { forcePasswordChange, makeAdmin } from './factories/admin.factory';
import { login, registerUser, signedInUser } from './factories/user.factory';
import { storedUser } from './support/db-inspect';
import { startTestApp, TestApp } from './support/test-app';

describe('POST /api/v1/auth/password/change', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { PASSWORD_HISTORY_COUNT: '3' } });
  });

  afterAll(async () => {
    await t.close();
  });

  const change = (token: string, currentPassword: string, newPassword: string) => {
    t.clock.advance(1000);
    return t.http.post('/api/v1/auth/password/change', { currentPassword, newPassword }, { token });
  };

  it('changes the password, ends the other sessions and keeps this one', async () => {
    const user = await signedInUser(t.http);
    const other = await login(t.http, user);
    const res = await change(user.accessToken, user.password, 'N3w-Passw0rd-2026!');
    expect(res.status).toBe(204);
    expect((await t.http.get('/api/v1/auth/me', { token: other.accessToken })).status).toBe(401);
    expect((await t.http.get('/api/v1/auth/me', { token: user.accessToken })).status).toBe(200);
    expect((await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password })).status).toBe(401);
    expect(
      (await t.http.post('/api/v1/auth/login', { email: user.email, password: 'N3w-Passw0rd-2026!' })).status,
    ).toBe(200);
  });

  it('needs the current password, and counts a wrong one as a failed attempt', async () => {
    const user = await signedInUser(t.http);
    const res = await change(user.accessToken, 'Not-the-passw0rd!', 'N3w-Passw0rd-2026!');
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('current_password_wrong');
    expect(await storedUser(t, user.id)).toEqual(expect.objectContaining({ failed_login_attempts: 1 }));
  });

  it('refuses the last PASSWORD_HISTORY_COUNT passwords and weak ones', async () => {
    const user = await signedInUser(t.http);
    expect((await change(user.accessToken, user.password, user.password)).body.code).toBe('password_reused');
    await change(user.accessToken, user.password, 'Second-Passw0rd!');
    await change(user.accessToken, 'Second-Passw0rd!', 'Third-Passw0rd!');
    const reuse = await change(user.accessToken, 'Third-Passw0rd!', user.password);
    expect(reuse.status).toBe(400);
    expect(reuse.body.code).toBe('password_reused');
    const weak = await change(user.accessToken, 'Third-Passw0rd!', 'weak');
    expect(weak.status).toBe(400);
    expect(weak.body.reasons).toContain('password must be at least 8 characters');
    await change(user.accessToken, 'Third-Passw0rd!', 'Fourth-Passw0rd!');
    expect((await change(user.accessToken, 'Fourth-Passw0rd!', user.password)).status).toBe(204);
  });

  it('lets a password_change session change the password, then become full on refresh', async () => {
    const user = await registerUser(t.http);
    await forcePasswordChange(t, await makeAdmin(t), user.id);
    const restricted = await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
    expect(restricted.body.status).toBe('password_change_required');
    expect((await change(restricted.body.accessToken, user.password, 'Brand-N3w-Passw0rd!')).status).toBe(204);
    const refreshed = await t.http.post('/api/v1/auth/refresh', { refreshToken: restricted.body.refreshToken });
    expect(refreshed.body.status).toBe('authenticated');
    expect((await t.http.get('/api/v1/sessions', { token: refreshed.body.accessToken })).status).toBe(200);
  });
});
