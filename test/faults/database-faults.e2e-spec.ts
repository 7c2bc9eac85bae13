import { DEFAULT_PASSWORD, TestUser, uniqueEmail } from '../factories/user.factory';
import { describeFaults } from '../support/postgres-only';
import { closeWithin, outageLogProblems, Traffic, TrafficSample, within } from '../support/fault-traffic';
import { LogCapture } from '../support/log-capture';
import { startTestApp, TestApp } from '../support/test-app';
import { ThrowawayPostgres } from '../support/throwaway-postgres';
import { describeResponse, TimedRequest, timedRequest } from '../support/timed-http';

const STATEMENT_TIMEOUT_MS = 1000;
/** "Answers within a bound": the statement timeout plus a margin for a loaded CI machine. */
const ANSWER_BOUND_MS = STATEMENT_TIMEOUT_MS + 1500;
/** The test's own limit per request, so a service that hangs fails the test instead of hanging it. */
const CLIENT_TIMEOUT_MS = ANSWER_BOUND_MS + 3000;
const RECOVERY_BOUND_MS = 20_000;
const SCENARIO_TIMEOUT_MS = 150_000;
/** A driver's words or the server's address: neither may reach a client. */
const DRIVER_DETAIL =
  /ECONN|EPIPE|ETIMEDOUT|EHOSTUNREACH|127\.0\.0\.1|Connection terminated|timeout exceeded|QueryFailed/i;

describeFaults('PostgreSQL outages under traffic (a throwaway cluster of its own)', () => {
  const logs = new LogCapture();
  let pg: ThrowawayPostgres;
  let t: TestApp;
  /** Every registration the service acknowledged with 201, in every scenario: each must survive. */
  const acknowledged: TestUser[] = [];
  let sequence = 0;

  beforeAll(async () => {
    pg = await ThrowawayPostgres.create();
    await pg.start();
    // Migrations run at boot (MIGRATIONS_RUN defaults to true) into the empty cluster.
    t = await startTestApp({
      database: { url: pg.url, poolSize: 5, drop: () => Promise.resolve() },
      env: {
        DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
        DATABASE_HEALTH_TIMEOUT_MS: '500',
        LOG_LEVEL: 'info',
      },
      logDestination: logs,
    });
  }, 120_000);

  afterAll(async () => {
    pg?.thaw();
    try {
      if (t) await closeWithin(t, 10_000);
    } finally {
      await pg?.destroy();
    }
  }, 60_000);

  const send = (tag: string, name: string, request: Omit<TimedRequest, 'requestId'>): Promise<TrafficSample> =>
    timedRequest(t.baseUrl, { ...request, requestId: `${tag}-${name}-${sequence++}` }, CLIENT_TIMEOUT_MS).then(
      (response) => ({ name, response }),
    );

  async function register(tag: string): Promise<TrafficSample> {
    const user = { email: uniqueEmail('fault'), password: DEFAULT_PASSWORD };
    const sample = await send(tag, 'register', { method: 'POST', path: '/api/v1/auth/register', json: user });
    if (sample.response.status === 201) acknowledged.push({ ...user, id: sample.response.body.id as string });
    return sample;
  }

  const login = (tag: string, user: Pick<TestUser, 'email' | 'password'>) =>
    send(tag, 'login', {
      method: 'POST',
      path: '/api/v1/auth/login',
      json: { email: user.email, password: user.password },
    });

  const me = (tag: string, token: string) => send(tag, 'me', { method: 'GET', path: '/api/v1/auth/me', token });

  /** The reply every API request must get while the database is out. */
  function outageReplyProblems({ name, response }: TrafficSample): string[] {
    const problems: string[] = [];
    const body = response.body as Record<string, unknown> | undefined;
    if (response.status !== 503) problems.push('status is not 503');
    if (body?.statusCode !== 503 || body?.code !== 'dependency_unavailable')
      problems.push('body is not 503 dependency_unavailable');
    if (body?.requestId !== response.requestId || response.headers.get('x-request-id') !== response.requestId) {
      problems.push('requestId / X-Request-ID missing or not the one sent');
    }
    if (!/^[1-9]\d*$/.test(response.headers.get('retry-after') ?? '')) problems.push('no Retry-After');
    if (response.ms > ANSWER_BOUND_MS) problems.push(`answered after ${response.ms} ms (bound ${ANSWER_BOUND_MS})`);
    if (DRIVER_DETAIL.test(response.text) || response.text.includes(String(pg.port)))
      problems.push('driver detail in the reply');
    return problems.length > 0 ? [`${describeResponse(name, response)}: ${problems.join(', ')}`] : [];
  }

  /** During the fault the background traffic may see 2xx/4xx (in flight before it) or 503, never another 5xx or a hang. */
  function trafficProblems(samples: TrafficSample[]): string[] {
    return samples
      .filter(
        ({ response }) =>
          response.status === 0 || (response.status >= 500 && response.status !== 503) || response.ms > ANSWER_BOUND_MS,
      )
      .slice(0, 5)
      .map(({ name, response }) => describeResponse(`background ${name}`, response));
  }

  /**
   * Breaks the database under traffic, checks every reply during the outage, repairs it and checks that
   * the service recovers by itself and that every acknowledged registration is still there.
   */
  async function outage(
    tag: string,
    inject: () => Promise<void> | void,
    repair: () => Promise<void> | void,
  ): Promise<string[]> {
    const problems: string[] = [];
    const readyBefore = await within(
      RECOVERY_BOUND_MS,
      async () => (await send(tag, 'ready', { method: 'GET', path: '/health/ready' })).response.status === 200,
    );
    if (readyBefore === undefined) return [`${tag}: not ready before the fault`];
    const first = await register(tag);
    const second = await register(tag);
    if (first.response.status !== 201 || second.response.status !== 201) {
      return [`${tag}: setup failed: ${describeResponse('register', first.response)}`];
    }
    const [owner, known] = acknowledged.slice(-2);
    const signedIn = await login(tag, owner);
    if (signedIn.response.status !== 200)
      return [`${tag}: setup failed: ${describeResponse('login', signedIn.response)}`];
    const token = signedIn.response.body.accessToken as string;

    const traffic = new Traffic((index) =>
      [() => register(tag), () => login(tag, known), () => me(tag, token)][index % 3](),
    );
    await traffic.atLeast(6);
    const logStart = logs.lines.length;
    await inject();

    for (const probe of [await register(tag), await login(tag, known), await me(tag, token), await register(tag)]) {
      problems.push(...outageReplyProblems(probe));
    }
    const live = await send(tag, 'live', { method: 'GET', path: '/health/live' });
    if (live.response.status !== 200 || live.response.ms > 1000)
      problems.push(`liveness: ${describeResponse('live', live.response)}`);
    const ready = await send(tag, 'ready', { method: 'GET', path: '/health/ready' });
    if (ready.response.status !== 503 || ready.response.body?.details?.database?.status !== 'down') {
      problems.push(`readiness does not name the database as down: ${describeResponse('ready', ready.response)}`);
    }
    if (DRIVER_DETAIL.test(ready.response.text) || ready.response.text.includes(String(pg.port))) {
      problems.push(`readiness carries a driver message: ${ready.response.text.slice(0, 300)}`);
    }
    problems.push(...trafficProblems(await traffic.stop()));
    problems.push(...outageLogProblems(logs.lines.slice(logStart)));

    await repair();
    const recoveredIn = await within(RECOVERY_BOUND_MS, async () => (await login(tag, known)).response.status === 200);
    if (recoveredIn === undefined) {
      problems.push(`no successful login within ${RECOVERY_BOUND_MS} ms after the database came back`);
      return problems;
    }
    const readyAfter = await send(tag, 'ready', { method: 'GET', path: '/health/ready' });
    if (readyAfter.response.status !== 200)
      problems.push(`not ready after recovery: ${describeResponse('ready', readyAfter.response)}`);
    for (const user of acknowledged) {
      const again = await login(tag, user);
      if (again.response.status !== 200)
        problems.push(
          `acknowledged registration lost or unusable: ${user.email} ${describeResponse('login', again.response)}`,
        );
    }
    return problems;
  }

  it(
    'answers 503 dependency_unavailable within the bound while PostgreSQL is stopped, and recovers with every write',
    async () => {
      expect(
        await outage(
          'pg-stop',
          () => pg.stop(),
          () => pg.start(),
        ),
      ).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'answers 503 dependency_unavailable within the bound after PostgreSQL is killed with SIGKILL, and recovers with every write',
    async () => {
      expect(
        await outage(
          'pg-kill',
          () => pg.kill9(),
          () => pg.start(),
        ),
      ).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'answers 503 dependency_unavailable within the statement timeout while PostgreSQL is frozen, and recovers with every write',
    async () => {
      expect(
        await outage(
          'pg-freeze',
          () => pg.freeze(),
          () => pg.thaw(),
        ),
      ).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
