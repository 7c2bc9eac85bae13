/**
 * A refresh token made at `from` lives JWT_REFRESH_TTL (`ttlMs`), and never past its session's absolute
 * expiry: the rule for a session's first token (`SessionService.start`) and for every successor
 * (`RefreshTokens`). The one-statement rotation applies it in SQL (`LEAST` in `rotateLive`), where the
 * session's expiry is read.
 */
export function refreshTokenExpiry(from: Date, ttlMs: number, sessionExpiresAt: Date): Date {
  return new Date(Math.min(from.getTime() + ttlMs, sessionExpiresAt.getTime()));
}
