import helmet, { HelmetOptions } from 'helmet';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { computeSecurityHeaders } from './security-headers';

/** Node has it since 15.13; @types/node 20 does not declare it. */
type WithRawHeaderNames = ServerResponse & { getRawHeaderNames(): string[] };

/** What helmet itself leaves on a real response: names in their case and order, with their values. */
function setByHelmet(options: HelmetOptions): [string, string][] {
  const response = new ServerResponse(new IncomingMessage(new Socket())) as WithRawHeaderNames;
  helmet(options)(response.req, response, () => undefined);
  return response.getRawHeaderNames().map((name) => [name, String(response.getHeader(name))]);
}

describe('computeSecurityHeaders', () => {
  it.each<[string, HelmetOptions]>([
    ['defaults', {}],
    [
      'a strict policy with HSTS',
      {
        contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], frameAncestors: ["'none'"] } },
        frameguard: { action: 'deny' },
        referrerPolicy: { policy: 'no-referrer' },
        hsts: { maxAge: 31_536_000, includeSubDomains: true },
      },
    ],
    ['no HSTS and no CSP', { hsts: false, contentSecurityPolicy: false }],
  ])('gives exactly the headers helmet sets on a response (%s)', (_name, options) => {
    expect(computeSecurityHeaders(options)).toEqual(setByHelmet(options));
  });

  it('refuses options helmet refuses', () => {
    expect(() =>
      computeSecurityHeaders({ contentSecurityPolicy: { directives: { defaultSrc: ["'self';"] } } }),
    ).toThrow(/Content-Security-Policy/);
  });
});
