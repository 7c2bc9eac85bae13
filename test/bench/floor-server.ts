/**
 * The floor of measurement 2: `GET /api/v1/auth/me` doing the service's work without a framework. node:http,
 * jsonwebtoken with the key as a KeyObject, the service's own claim check, and on one pg pool of the service's
 * size the same two prepared statements (the session check, with the touch when it is due, then the account),
 * answering the same JSON. Forked by the bench with the service's environment; it reports its port over IPC
 * and exits when the bench goes away.
 */
import { createSecretKey } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { verify } from 'jsonwebtoken';
import { Pool } from 'pg';
import { loadConfig } from '../../src/config/configuration';
import { Claims, isAccessClaims } from '../../src/tokens/token-claims';

const MINUTE = 60_000;
const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/;

const config = loadConfig(process.env);
const key = createSecretKey(Buffer.from(config.jwt.secret));
const { issuer, audience } = config.jwt;
const idleMs = config.security.sessionTimeoutMinutes * MINUTE;
const touchEveryMs = Math.min(MINUTE, idleMs / 20);
const maxAgeDays = config.security.passwordMaxAgeDays;
const pool = new Pool({ connectionString: config.database.url ?? '', max: config.database.poolSize });

interface SessionRow {
  user_id: string;
  last_seen_at: Date;
  idle_expires_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

interface UserRow {
  id: string;
  email: string;
  display_name: string | null;
  roles: string[];
  email_verified_at: Date | null;
  mfa_enabled: boolean;
  password_changed_at: Date;
}

function send(response: ServerResponse, status: number, body: object): void {
  const json = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
  });
  response.end(json);
}

const unauthorized = (response: ServerResponse, message: string) =>
  send(response, 401, { statusCode: 401, error: 'Unauthorized', message });

async function me(request: IncomingMessage, response: ServerResponse, userColumns: string): Promise<void> {
  const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
  if (!token) return unauthorized(response, 'Authentication required');
  let payload: unknown;
  try {
    payload = verify(token, key, {
      algorithms: ['HS256'],
      issuer,
      audience,
      ignoreExpiration: true,
      ignoreNotBefore: true,
    });
  } catch {
    return unauthorized(response, 'Invalid or expired access token');
  }
  const now = new Date();
  const claims = payload as Claims;
  if (typeof payload !== 'object' || payload === null || !isAccessClaims(claims, Math.floor(now.getTime() / 1000))) {
    return unauthorized(response, 'Invalid or expired access token');
  }
  const session = (
    await pool.query<SessionRow>({
      name: 'session-check',
      text: 'SELECT user_id, last_seen_at, idle_expires_at, expires_at, revoked_at FROM sessions WHERE id = $1',
      values: [claims.sid],
    })
  ).rows[0];
  if (
    !session ||
    session.user_id !== claims.sub ||
    session.revoked_at !== null ||
    session.idle_expires_at <= now ||
    session.expires_at <= now
  ) {
    return unauthorized(response, 'Session expired or revoked');
  }
  if (now.getTime() - session.last_seen_at.getTime() >= touchEveryMs) {
    await pool.query(
      `UPDATE sessions SET last_seen_at = $2, idle_expires_at = LEAST($3, expires_at)
        WHERE id = $1 AND revoked_at IS NULL AND last_seen_at < $4`,
      [claims.sid, now, new Date(now.getTime() + idleMs), new Date(now.getTime() - touchEveryMs + 1)],
    );
  }
  const user = (
    await pool.query<UserRow>({
      name: 'user-find-active-by-id',
      text: `SELECT ${userColumns} FROM users WHERE id = $1 AND deleted_at IS NULL`,
      values: [claims.sub],
    })
  ).rows[0];
  if (!user) return unauthorized(response, 'Session expired or revoked');
  send(response, 200, {
    id: user.id,
    email: user.email,
    displayName: user.display_name,
    roles: user.roles,
    emailVerified: user.email_verified_at !== null,
    mfaEnabled: user.mfa_enabled,
    passwordExpiresAt:
      maxAgeDays === 0 ? null : new Date(user.password_changed_at.getTime() + maxAgeDays * 24 * 60 * MINUTE),
    session: { id: claims.sid, aal: claims.aal, scope: claims.scope },
  });
}

async function main(): Promise<void> {
  // Every column of the account, as the service's statement lists them.
  const { rows } = await pool.query<{ columns: string }>(
    `SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) AS columns
       FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'users'`,
  );
  const userColumns = rows[0].columns;
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/api/v1/auth/me') {
      return send(response, 404, { statusCode: 404, error: 'Not Found', message: 'Not found' });
    }
    me(request, response, userColumns).catch(() =>
      send(response, 503, { statusCode: 503, error: 'Service Unavailable', message: 'Database unavailable' }),
    );
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
}

process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
void main();
