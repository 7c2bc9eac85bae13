import { registerUser, signedInUser } from './factories/user.factory';
import { LogCapture } from './support/log-capture';
import { metricValue } from './support/metrics';
import { SmtpSink } from './support/smtp-sink';
import { startTestApp, TestApp } from './support/test-app';

/** Waits until one of the service's own counters reaches a value, or fails after a while. */
async function waitForMetric(t: TestApp, name: string, labels: Record<string, string>, atLeast: number) {
  const deadline = Date.now() + 10_000;
  while ((await metricValue(t.http, name, labels)) < atLeast) {
    if (Date.now() > deadline) throw new Error(`${name} never reached ${atLeast}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('mail delivery failures', () => {
  // First in the file: it captures logs, see LogCapture.
  it('gives up after MAIL_RETRY_ATTEMPTS, logs and counts it, and the request still succeeds', async () => {
    const logs = new LogCapture();
    const t = await startTestApp({
      env: {
        EMAIL_VERIFICATION: 'off',
        SMTP_URL: 'smtp://127.0.0.1:1',
        MAIL_RETRY_ATTEMPTS: '2',
        MAIL_RETRY_BACKOFF_MS: '20',
        LOG_LEVEL: 'info',
      },
      logDestination: logs,
    });
    try {
      const user = await signedInUser(t.http);
      const changed = await t.http.post(
        '/api/v1/auth/password/change',
        { currentPassword: user.password, newPassword: 'Lost-N3w-Passw0rd!' },
        { token: user.accessToken },
      );
      expect(changed.status).toBe(204);
      await waitForMetric(t, 'auth_mail_deliveries_total', { result: 'failed' }, 1);
      expect(await metricValue(t.http, 'auth_mail_deliveries_total', { result: 'retried' })).toBe(1);
      const gaveUp = logs.entries().find((entry) => entry.msg === 'Mail could not be delivered; giving up');
      expect(gaveUp).toEqual(expect.objectContaining({ template: 'password_changed', attempt: 2 }));
      expect(logs.lines.join('\n')).not.toContain('Lost-N3w-Passw0rd!');
    } finally {
      await t.close();
    }
  });
  it('retries with backoff and delivers after temporary errors', async () => {
    const sink = await SmtpSink.start({ failFirst: 2 });
    const t = await startTestApp({
      env: {
        EMAIL_VERIFICATION: 'off',
        SMTP_URL: sink.url,
        MAIL_RETRY_BACKOFF_MS: '20',
        MAX_FAILED_LOGIN_ATTEMPTS: '1',
      },
    });
    try {
      const user = await registerUser(t.http);
      expect((await t.http.post('/api/v1/auth/login', { email: user.email, password: 'Wrong-Passw0rd!' })).status).toBe(
        423,
      );
      await sink.waitFor((mail) => mail.to === user.email);
      await waitForMetric(t, 'auth_mail_deliveries_total', { result: 'sent' }, 1);
      expect(sink.attempts).toBe(3);
      expect(await metricValue(t.http, 'auth_mail_deliveries_total', { result: 'retried' })).toBe(2);
    } finally {
      await t.close();
      await sink.close();
    }
  });

  it('answers the request while the mail server is still busy with its mail', async () => {
    const sink = await SmtpSink.start({ hold: true });
    const t = await startTestApp({ env: { EMAIL_VERIFICATION: 'off', SMTP_URL: sink.url } });
    try {
      const user = await signedInUser(t.http);
      const changed = await t.http.post(
        '/api/v1/auth/password/change',
        { currentPassword: user.password, newPassword: 'Held-N3w-Passw0rd!' },
        { token: user.accessToken },
      );
      expect(changed.status).toBe(204);
      // The mail server holds the delivery: the request was answered while it was still in progress.
      const deadline = Date.now() + 10_000;
      while (sink.heldCount === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(sink.heldCount).toBe(1);
      expect(sink.mails).toHaveLength(0);
      sink.release();
      await sink.waitFor((mail) => mail.to === user.email && mail.subject === 'Your password was changed');
    } finally {
      await t.close();
      await sink.close();
    }
  });
});
