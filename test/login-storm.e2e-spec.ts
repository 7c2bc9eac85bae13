import { availableParallelism } from 'node:os';
import { registerUser } from './factories/user.factory';
import { startTestApp, TestApp } from './support/test-app';

const QUEUE_LIMIT = 2;
/**
 * The hasher runs one hash per core and queues QUEUE_LIMIT more, so a storm of twice that (and some)
 * overflows it on a machine of any size: the expectations below hold on 2 cores as on 64.
 */
const STORM = 2 * (availableParallelism() + QUEUE_LIMIT) + 4;

describe('login storm', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { BCRYPT_COST: '10', BCRYPT_QUEUE_LIMIT: String(QUEUE_LIMIT) } });
  });

  afterAll(async () => {
    await t.close();
  });

  it('sheds logins past the hashing queue with 503 and Retry-After while liveness stays up', async () => {
    const user = await registerUser(t.http);
    const logins = Array.from({ length: STORM }, () =>
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
    // Once the storm has passed, the retry the 503 asked for signs in.
    expect((await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password })).status).toBe(200);
  });
});
