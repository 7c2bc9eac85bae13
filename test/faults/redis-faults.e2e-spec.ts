import { randomUUID } from 'node:crypto';
import { describeFaults } from '../support/postgres-only';
import { closeWithin, outageLogProblems, within } from '../support/fault-traffic';
import { LogCapture } from '../support/log-capture';
import { startTestApp, TestApp } from '../support/test-app';
import { ThrowawayRedis } from '../support/throwaway-redis';
import { describeResponse, TimedResponse, timedRequest } from '../support/timed-http';

/** A login answers within this while Redis is out (REDIS_COMMAND_TIMEOUT_MS is 250). */
const ANSWER_BOUND_MS = 1000;
const CLIENT_TIMEOUT_MS = 5000;
const RECOVERY_BOUND_MS = 15_000;
const SCENARIO_TIMEOUT_MS = 90_000;
/** RATE_LIMIT_LOGIN's default: the sixth attempt in a minute is refused. */
const LOGIN_LIMIT = 5;
const DRIVER_DETAIL = /ECONN|EPIPE|ETIMEDOUT|127\.0\.0\.1|Stream isn't writeable|Command timed out/i;

describeFaults('Redis outages under rate-limited traffic (a throwaway redis-server of its own)', () => {
  const logs = [new LogCapture(), new LogCapture()];
  let redis: ThrowawayRedis;
  let replicas: TestApp[] = [];
  let clientIp = 0;
  let sequence = 0;

  beforeAll(async () => {
    redis = await ThrowawayRedis.create();
    await redis.start();
    const env = {
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_REGISTER: '1000/hour',
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `twofold-fault-${randomUUID()}:`,
      REDIS_COMMAND_TIMEOUT_MS: '250',
      // Each scenario is its own client address (X-Forwarded-For), so windows never overlap.
      TRUST_PROXY: '1',
      LOG_LEVEL: 'info',
    };
    for (const capture of logs) replicas.push(await startTestApp({ env, logDestination: capture }));
  }, 120_000);

  afterAll(async () => {
    redis?.thaw();
    try {
      await Promise.all(replicas.map((replica) => closeWithin(replica, 10_000)));
    } finally {
      replicas = [];
      await redis?.destroy();
    }
  }, 60_000);

  /** A client address no earlier request used (documentation ranges, as many as a run needs). */
  const newClient = () => {
    clientIp++;
    return `203.0.${Math.floor(clientIp / 250)}.${(clientIp % 250) + 1}`;
  };

  /** A wrong password from `ip` on one replica: 401 while under the limit, 429 past it. */
  const attempt = (replica: TestApp, ip: string, tag: string): Promise<TimedResponse> =>
    timedRequest(
      replica.baseUrl,
      {
        method: 'POST',
        path: '/api/v1/auth/login',
        json: { email: `nobody-${ip}@example.com`, password: 'Wrong-passw0rd!' },
        headers: { 'x-forwarded-for': ip },
        requestId: `${tag}-login-${sequence++}`,
      },
      CLIENT_TIMEOUT_MS,
    );

  const ready = (replica: TestApp, tag: string) =>
    timedRequest(
      replica.baseUrl,
      { method: 'GET', path: '/health/ready', requestId: `${tag}-ready-${sequence++}` },
      CLIENT_TIMEOUT_MS,
    );

  /** Each attempt's status, and a problem for every reply that took too long or is not the expected one. */
  async function attempts(
    replica: TestApp,
    ip: string,
    tag: string,
    expected: number[],
    problems: string[],
  ): Promise<void> {
    const replies: TimedResponse[] = [];
    for (let i = 0; i < expected.length; i++) replies.push(await attempt(replica, ip, tag));
    const statuses = replies.map((reply) => reply.status);
    if (statuses.join() !== expected.join()) {
      const worst = replies.find((reply, i) => reply.status !== expected[i]) as TimedResponse;
      problems.push(
        `${tag}: login attempts from ${ip} answered [${statuses.join(', ')}], expected [${expected.join(', ')}]; first wrong: ${describeResponse('login', worst)}`,
      );
    }
    for (const reply of replies) {
      if (reply.ms > ANSWER_BOUND_MS)
        problems.push(`${tag}: ${describeResponse('login', reply)}: slower than ${ANSWER_BOUND_MS} ms`);
      if (reply.status === 429 && !/^[1-9]\d*$/.test(reply.headers.get('retry-after') ?? '')) {
        problems.push(`${tag}: 429 without Retry-After`);
      }
    }
  }

  /** Both replicas count one client's attempts against one limit. */
  async function sharedCountProblems(tag: string): Promise<string[]> {
    const problems: string[] = [];
    const ip = newClient();
    await attempts(replicas[0], ip, tag, [401, 401, 401], problems);
    await attempts(replicas[1], ip, tag, [401, 401, 429], problems);
    return problems;
  }

  const redisUp = async (replica: TestApp, tag: string) => {
    const reply = await ready(replica, tag);
    return (
      reply.status === 200 &&
      reply.body?.details?.redis?.status === 'up' &&
      !/down/i.test(JSON.stringify(reply.body.details.redis))
    );
  };

  /** Breaks Redis, checks the fallback on both replicas, repairs it and checks that shared counting resumes. */
  async function outage(
    tag: string,
    inject: () => Promise<void> | void,
    repair: () => Promise<void> | void,
  ): Promise<string[]> {
    const problems: string[] = [];
    for (const replica of replicas) {
      if ((await within(RECOVERY_BOUND_MS, () => redisUp(replica, tag))) === undefined)
        return [`${tag}: Redis not up before the fault`];
    }
    const marks = logs.map((capture) => capture.lines.length);
    await inject();

    // Each replica counts on its own: the sixth attempt on the first is refused, the second has seen none.
    const ip = newClient();
    await attempts(replicas[0], ip, tag, [...Array<number>(LOGIN_LIMIT).fill(401), 429], problems);
    await attempts(replicas[1], ip, tag, [401], problems);

    for (const [index, replica] of replicas.entries()) {
      const reply = await ready(replica, tag);
      const details = JSON.stringify(reply.body?.details?.redis ?? null);
      if (reply.status !== 200 || !/down|unavailable|unreachable/i.test(details)) {
        problems.push(
          `${tag}: readiness of replica ${index + 1} should stay 200 and show Redis down: ${describeResponse('ready', reply)}`,
        );
      }
      if (DRIVER_DETAIL.test(reply.text) || reply.text.includes(String(redis.port))) {
        problems.push(`${tag}: readiness carries a driver message: ${reply.text.slice(0, 300)}`);
      }
    }
    for (const [index, capture] of logs.entries()) {
      const window = capture.lines.slice(marks[index]);
      problems.push(...outageLogProblems(window, 0).map((problem) => `${tag}: replica ${index + 1}: ${problem}`));
      const warnings = window.filter(
        (line) => /redis/i.test(line) && (JSON.parse(line) as { level: number }).level === 40,
      );
      // One warning per transition (to the in-memory fallback), not one per request.
      if (warnings.length > 2)
        problems.push(`${tag}: replica ${index + 1} logged ${warnings.length} Redis warnings for one outage`);
    }

    await repair();
    for (const [index, replica] of replicas.entries()) {
      if ((await within(RECOVERY_BOUND_MS, () => redisUp(replica, tag))) === undefined) {
        problems.push(
          `${tag}: replica ${index + 1} does not report Redis up within ${RECOVERY_BOUND_MS} ms of its return`,
        );
      }
    }
    // A replica may keep counting locally for a moment after Redis returns (it retries Redis at most once a
    // second after a failure): shared counting must resume within the bound, checked with a fresh client each time.
    let lastTry: string[] = [];
    const resumed = await within(
      RECOVERY_BOUND_MS,
      async () => (lastTry = await sharedCountProblems(`${tag}-recovered`)).length === 0,
      500,
    );
    if (resumed === undefined)
      problems.push(`${tag}: shared counting did not resume within ${RECOVERY_BOUND_MS} ms`, ...lastTry);
    return problems;
  }

  it('counts login attempts of one client on both replicas against one limit while Redis is up', async () => {
    expect(await sharedCountProblems('redis-up')).toEqual([]);
  });

  it(
    'keeps answering logins and limiting per replica while Redis is stopped, and shares the count again once it is back',
    async () => {
      expect(
        await outage(
          'redis-stop',
          () => redis.stop(),
          () => redis.start(),
        ),
      ).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'keeps answering logins and limiting per replica after Redis is killed with SIGKILL, and shares the count again once it is back',
    async () => {
      expect(
        await outage(
          'redis-kill',
          () => redis.kill9(),
          () => redis.start(),
        ),
      ).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'answers logins within a second and limits per replica while Redis is frozen, and shares the count again once it thaws',
    async () => {
      expect(
        await outage(
          'redis-freeze',
          () => redis.freeze(),
          () => redis.thaw(),
        ),
      ).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
