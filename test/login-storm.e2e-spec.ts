import { registerUser } from './factories/user.factory';
import { startTestApp, TestApp } from './support/test-app';

describe('login storm', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { BCRYPT_COST: '10', BCRYPT_QUEUE_LIMIT: '2' } });
  });

  afterAll(async () => {
    await t.close();
  });

  it('sheds logins past the hashing queue with 503 and Retry-After while liveness stays up', async () => {
    const user = await registerUser(t.http);
    const logins = Array.from({ length: 16 }, () =>
      t.http.post('/api/v1/auth/login', { email: user.email, password: user.password }),
    );
    const live = await t.http.get('/health/live');
    const results = await Promise.all(logins);
    expect(live.status).toBe(200);

    const statuses = results.map((res) => res.status);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(1);
    const shed = results.filter((res) => res.status === 503);
    expect(shed.length).toBeGreaterThan(0);
    expect(statuses.every((status) => status === 200 || status === 503)).toBe(true);
    for (const res of shed) {
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.body).toEqual(expect.objectContaining({ statusCode: 503, code: 'overloaded' }));
    }
  });
});
