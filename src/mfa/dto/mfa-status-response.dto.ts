export class MfaStatusResponseDto {
  /** Whether a second factor (TOTP or a passkey) is on. */
  enabled: boolean;
  enabledAt: Date | null;
  /** Whether an authenticator app (TOTP) is set up. */
  totp: boolean;
  /** How many passkeys are registered. */
  passkeys: number;
  /** Unused backup codes left. */
  backupCodesRemaining: number;
}
