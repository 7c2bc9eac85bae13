import { Transform } from 'class-transformer';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

/** 32 random bytes, base64url. */
export const DEVICE_TOKEN = /^[A-Za-z0-9_-]{43}$/;

export class LoginDto {
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MinLength(1)
  @MaxLength(254)
  email: string;

  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password: string;

  /**
   * A remembered device's token (from `rememberDevice` on the second step, or its last rotation): with
   * it the second factor is skipped. Browsers in cookie mode send the `device_token` cookie instead.
   */
  @IsOptional()
  @Matches(DEVICE_TOKEN, { message: 'deviceToken must be a device token' })
  deviceToken?: string;
}
