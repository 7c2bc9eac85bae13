export class MfaSetupResponseDto {
  /** Base32 TOTP secret, for typing into an authenticator app by hand. Shown only here. */
  secret: string;
  /** `otpauth://totp/...` URL with issuer, algorithm, digits and period. */
  otpauthUrl: string;
  /** The same URL as a PNG QR code: `data:image/png;base64,...`. */
  qrCodeDataUrl: string;
}
