import { UserAdminService } from '../../src/users/user-admin.service';
import { enroll, Enrollment } from '../factories/mfa.factory';
import { login, registerUser, TestUser, uniqueEmail } from '../factories/user.factory';
import { Credential } from './fuzz-cases';
import { TestApp } from './test-app';

const ADMIN_PASSWORD = 'Fuzz-Adm1n-Passw0rd!';

interface Principal extends TestUser {
  token: string;
  enrollment?: Enrollment;
}

/**
 * A real user and a real admin with an aal2 session, so fuzzed requests reach the handlers behind the
 * guards. Hostile requests may end their sessions (a logout with a body, a revocation) or lock them out:
 * `ensure()` signs them in again, or replaces them, before each operation is fuzzed.
 */
export class FuzzPrincipals {
  private user!: Principal;
  private admin!: Principal;
  /** A third account: the target of admin actions, so they never end the fuzzing admin's own session. */
  victimId = '';

  constructor(private readonly t: TestApp) {}

  async init(): Promise<void> {
    this.user = await this.newUser();
    this.admin = await this.newAdmin();
    this.victimId = (await registerUser(this.t.http)).id;
  }

  token(credential: Credential): string | undefined {
    if (credential === 'user') return this.user.token;
    if (credential === 'admin') return this.admin.token;
    return undefined;
  }

  async ensure(): Promise<void> {
    if (!(await this.valid(this.user))) this.user = await this.signInAgain(this.user, () => this.newUser());
    if (!(await this.valid(this.admin))) this.admin = await this.signInAgain(this.admin, () => this.newAdmin());
  }

  private async valid(principal: Principal): Promise<boolean> {
    const me = await this.t.http.get('/api/v1/auth/me', { token: principal.token });
    return me.status === 200 && me.body.session?.scope === 'full';
  }

  private async signInAgain(principal: Principal, replacement: () => Promise<Principal>): Promise<Principal> {
    try {
      const token = principal.enrollment
        ? await this.secondFactorLogin(principal.email, principal.enrollment)
        : (await login(this.t.http, principal)).accessToken;
      const renewed = { ...principal, token };
      if (await this.valid(renewed)) return renewed;
    } catch {
      // Locked out, 2FA changed, or the password no longer works: a fresh account takes over.
    }
    return replacement();
  }

  private async newUser(): Promise<Principal> {
    const user = await registerUser(this.t.http);
    return { ...user, token: (await login(this.t.http, user)).accessToken };
  }

  private async newAdmin(): Promise<Principal> {
    const email = uniqueEmail('fuzz-admin');
    const created = await this.t.app.get(UserAdminService).createAdmin(email, ADMIN_PASSWORD, 'test');
    const first = await login(this.t.http, { email, password: ADMIN_PASSWORD });
    const enrollment = await enroll(this.t.http, this.t.clock, first.accessToken);
    const token = await this.secondFactorLogin(email, enrollment);
    return { id: created.id, email, password: ADMIN_PASSWORD, enrollment, token };
  }

  private async secondFactorLogin(email: string, enrollment: Enrollment): Promise<string> {
    const pending = await this.t.http.post('/api/v1/auth/login', { email, password: ADMIN_PASSWORD });
    if (pending.status !== 200 || !pending.body.mfaToken) throw new Error(`admin login: ${pending.status}`);
    const done = await this.t.http.post('/api/v1/auth/login/2fa', {
      mfaToken: pending.body.mfaToken,
      code: enrollment.codeAt(this.t.clock.now()),
    });
    // Each code is accepted once: the next sign-in needs the next time step.
    this.t.clock.advance(30_000);
    if (done.status !== 200) throw new Error(`admin 2FA step: ${done.status} ${done.text}`);
    return done.body.accessToken as string;
  }
}
