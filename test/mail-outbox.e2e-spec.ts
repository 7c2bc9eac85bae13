import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signedInUser } from './factories/user.factory';
import { LogCapture } from './support/log-capture';
import { startTestApp } from './support/test-app';

describe('development outbox', () => {
  it('writes each mail as a JSON line in DATA_DIR and logs it without the body', async () => {
    const logs = new LogCapture();
    const t = await startTestApp({ env: { EMAIL_VERIFICATION: 'off', LOG_LEVEL: 'info' }, logDestination: logs });
    try {
      const user = await signedInUser(t.http);
      await t.http.post(
        '/api/v1/auth/password/change',
        { currentPassword: user.password, newPassword: 'Outbox-N3w-Passw0rd!' },
        { token: user.accessToken },
      );
      const outbox = join(t.dataDir, 'outbox.jsonl');
      const deadline = Date.now() + 10_000;
      const logged = () => logs.entries().find((entry) => entry.msg === 'Mail written to the development outbox');
      while (!logged() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      const [line] = readFileSync(outbox, 'utf8')
        .trim()
        .split('\n')
        .map((text) => JSON.parse(text));
      expect(line).toEqual(
        expect.objectContaining({
          to: user.email,
          from: 'Twofold <no-reply@localhost>',
          subject: 'Your password was changed',
          template: 'password_changed',
          text: expect.stringContaining('The password of your account was changed'),
        }),
      );
      expect(logged()).toEqual(
        expect.objectContaining({ to: user.email, subject: 'Your password was changed', template: 'password_changed' }),
      );
      expect(logged()).not.toHaveProperty('text');
      expect(logged()).not.toHaveProperty('html');
    } finally {
      await t.close();
    }
  });
});
