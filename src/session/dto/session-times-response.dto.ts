export class SessionTimesResponseDto {
  id: string;
  /** When the session ends without further activity. */
  idleExpiresAt: Date;
  /** When the session ends regardless of activity. */
  absoluteExpiresAt: Date;
  /** When a client should warn its user (shortly before the earlier of the two). */
  warnAt: Date;
}
