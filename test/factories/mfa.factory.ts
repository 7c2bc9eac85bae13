import jsQR from 'jsqr';
import { Secret, TOTP } from 'otpauth';
import { PNG } from 'pngjs';
import { HttpClient } from '../support/http-client';
import { TestClock } from '../support/test-clock';

/** Reads the QR code back out of a `data:image/png;base64,` URL. */
export function decodeQr(dataUrl: string): string {
  const png = PNG.sync.read(Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64'));
  const result = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  if (!result) throw new Error('no QR code found');
  return result.data;
}

/** A second TOTP implementation (otpauth), so codes never come from the code under test. */
export function authenticator(secret: string): { codeAt(time: Date): string } {
  const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
  return { codeAt: (time: Date) => totp.generate({ timestamp: time.getTime() }) };
}

export interface Enrollment {
  secret: string;
  backupCodes: string[];
  codeAt(time: Date): string;
}

/** Enrolls a signed-in user in 2FA over HTTP, moving the clock one step so later codes are fresh. */
export async function enroll(http: HttpClient, clock: TestClock, accessToken: string): Promise<Enrollment> {
  const setup = await http.post('/api/v1/2fa/setup', undefined, { token: accessToken });
  if (setup.status !== 200) throw new Error(`setup failed: ${setup.status} ${setup.text}`);
  const app = authenticator(setup.body.secret);
  const verify = await http.post('/api/v1/2fa/verify', { code: app.codeAt(clock.now()) }, { token: accessToken });
  if (verify.status !== 200) throw new Error(`verify failed: ${verify.status} ${verify.text}`);
  clock.advance(30_000);
  return { secret: setup.body.secret, backupCodes: verify.body.backupCodes, codeAt: app.codeAt };
}
