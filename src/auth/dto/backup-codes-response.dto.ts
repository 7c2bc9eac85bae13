export class BackupCodesResponseDto {
  /** Ten new single-use backup codes, shown this once; the previous set no longer works. */
  backupCodes: string[];
}
