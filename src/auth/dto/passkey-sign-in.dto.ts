import { Type } from 'class-transformer';
import { IsBoolean, IsJWT, IsObject, IsOptional, MaxLength, ValidateNested } from 'class-validator';
import { AuthenticationResponseDto } from '../../mfa/dto/webauthn-response.dto';

export class PasskeyOptionsDto {
  /** The `mfaToken` from the login that answered `mfa_required` with `webauthn` among its methods. */
  @IsJWT()
  @MaxLength(2048)
  mfaToken: string;
}

export class LoginWebauthnDto extends PasskeyOptionsDto {
  /** What `startAuthentication()` of `@simplewebauthn/browser` returned for the options. */
  @IsObject()
  @ValidateNested()
  @Type(() => AuthenticationResponseDto)
  response: AuthenticationResponseDto;

  /** Remember this device: the answer carries a device token that skips this step here for TRUSTED_DEVICE_DAYS. */
  @IsOptional()
  @IsBoolean()
  rememberDevice?: boolean;
}

export class PasskeyLoginDto {
  /** What `startAuthentication()` returned for the options of `POST /auth/passkey/options`. */
  @IsObject()
  @ValidateNested()
  @Type(() => AuthenticationResponseDto)
  response: AuthenticationResponseDto;
}
