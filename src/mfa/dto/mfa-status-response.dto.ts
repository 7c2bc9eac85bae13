export class MfaStatusResponseDto {
  enabled: boolean;
  enabledAt: Date | null;
  /** Unused backup codes left. */
  backupCodesRemaining: number;
}
