export class MfaEnabledResponseDto {
  enabled: true;
  /** Ten single-use backup codes. Shown this once: only their hashes are kept. */
  backupCodes: string[];
}
