import { IsOptional, IsString, Matches } from 'class-validator';

export class RefreshTokenDto {
  /** The refresh token from the last login or refresh; omit it in cookie mode. */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'refreshToken is malformed' })
  refreshToken?: string;
}
