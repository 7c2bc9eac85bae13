export class MfaEnabledResponseDto {
  enabled: true;
  /**
   * Ten single-use backup codes when TOTP is the first second factor. Shown this once: only their
   * hashes are kept. Empty when a passkey came first (its registration showed them).
   */
  backupCodes: string[];
}
