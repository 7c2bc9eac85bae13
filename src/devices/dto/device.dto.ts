/** A remembered device as its owner sees it (never its token). */
export class DeviceDto {
  id: string;
  createdAt: Date;
  /** The last sign-in that skipped the second factor with it. */
  lastUsedAt: Date | null;
  /** After this the device asks for the second factor again (TRUSTED_DEVICE_DAYS from when it was remembered). */
  expiresAt: Date;
  userAgent: string | null;
  ip: string | null;
  /** Whether the calling session signed in with (or remembered) this device. */
  current: boolean;
}
