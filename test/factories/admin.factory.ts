import { UserAdminService } from '../../src/users/user-admin.service';
import { TestApp } from '../support/test-app';
import { enroll, Enrollment } from './mfa.factory';
import { login, TestUser, uniqueEmail } from './user.factory';

export const ADMIN_PASSWORD = 'Adm1n-Passw0rd-Strong!';

export interface Admin extends TestUser {
  enrollment: Enrollment;
  aal1: string;
  aal2: string;
}

/** An admin as create-admin and the bootstrap leave one: email verified, no 2FA yet, not signed in. */
export async function registerAdmin(t: TestApp): Promise<TestUser> {
  const email = uniqueEmail('admin');
  const created = await t.app.get(UserAdminService).createAdmin(email, ADMIN_PASSWORD, 'test');
  return { id: created.id, email, password: ADMIN_PASSWORD };
}

/** An admin with 2FA, and an access token at each assurance level. */
export async function makeAdmin(t: TestApp): Promise<Admin> {
  const admin = await registerAdmin(t);
  const first = await login(t.http, admin);
  const enrollment = await enroll(t.http, t.clock, first.accessToken);
  const pending = await t.http.post('/api/v1/auth/login', { email: admin.email, password: admin.password });
  const aal2 = await t.http.post('/api/v1/auth/login/2fa', {
    mfaToken: pending.body.mfaToken,
    code: enrollment.codeAt(t.clock.now()),
  });
  t.clock.advance(30_000);
  return { ...admin, enrollment, aal1: first.accessToken, aal2: aal2.body.accessToken };
}

/** Over the admin API: the user's sessions end and their next login gets a password_change token. */
export async function forcePasswordChange(t: TestApp, admin: Admin, userId: string): Promise<void> {
  const res = await t.http.post(`/api/v1/admin/users/${userId}/force-password-change`, undefined, {
    token: admin.aal2,
  });
  if (res.status !== 204) throw new Error(`force-password-change failed: ${res.status} ${res.text}`);
}
