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

/** An admin with 2FA, and an access token at each assurance level. */
export async function makeAdmin(t: TestApp): Promise<Admin> {
  const email = uniqueEmail('admin');
  const created = await t.app.get(UserAdminService).createAdmin(email, ADMIN_PASSWORD, 'test');
  const first = await login(t.http, { email, password: ADMIN_PASSWORD });
  const enrollment = await enroll(t.http, t.clock, first.accessToken);
  const pending = await t.http.post('/api/v1/auth/login', { email, password: ADMIN_PASSWORD });
  const aal2 = await t.http.post('/api/v1/auth/login/2fa', {
    mfaToken: pending.body.mfaToken,
    code: enrollment.codeAt(t.clock.now()),
  });
  t.clock.advance(30_000);
  return {
    id: created.id,
    email,
    password: ADMIN_PASSWORD,
    enrollment,
    aal1: first.accessToken,
    aal2: aal2.body.accessToken,
  };
}
