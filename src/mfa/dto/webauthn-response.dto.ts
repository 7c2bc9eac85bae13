import { applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';

/** Base64url without padding, as WebAuthn's JSON encodes bytes, and at most `max` characters. */
function Base64Url(max: number): PropertyDecorator {
  return applyDecorators(
    IsString(),
    MaxLength(max),
    Matches(/^[A-Za-z0-9_-]+$/, { message: ({ property }) => `${property} must be base64url` }),
  );
}

/** A credential id is at most 1023 bytes: 1364 base64url characters. */
const CREDENTIAL_ID_CHARS = 1364;

/** Post-quantum keys (ML-DSA, offered first where the runtime supports it) are large: 8 kB of base64url. */
const SIGNATURE_CHARS = 8192;

export const AUTHENTICATOR_TRANSPORTS = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'] as const;

export class CredentialPropertiesDto {
  /** Whether the credential is discoverable (a resident key). */
  @IsOptional()
  @IsBoolean()
  rk?: boolean;
}

/** The client extension outputs the ceremonies may carry; others are refused. */
export class ClientExtensionResultsDto {
  @IsOptional()
  @ValidateNested()
  @Type(() => CredentialPropertiesDto)
  credProps?: CredentialPropertiesDto;

  @IsOptional()
  @IsBoolean()
  appid?: boolean;

  @IsOptional()
  @IsBoolean()
  hmacCreateSecret?: boolean;
}

export class AttestationResponseDto {
  @Base64Url(4096)
  clientDataJSON: string;

  @Base64Url(32768)
  attestationObject: string;

  @IsOptional()
  @Base64Url(32768)
  authenticatorData?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(AUTHENTICATOR_TRANSPORTS.length)
  @IsIn(AUTHENTICATOR_TRANSPORTS, { each: true })
  transports?: (typeof AUTHENTICATOR_TRANSPORTS)[number][];

  /** The COSE algorithm of the new key (-7 ES256, -257 RS256, -8 EdDSA). */
  @IsOptional()
  @IsInt()
  publicKeyAlgorithm?: number;

  @IsOptional()
  @Base64Url(SIGNATURE_CHARS)
  publicKey?: string;
}

export class AssertionResponseDto {
  @Base64Url(4096)
  clientDataJSON: string;

  @Base64Url(4096)
  authenticatorData: string;

  /** Up to 4627 bytes: ML-DSA-87, which Node 24 verifies, signs the longest. */
  @Base64Url(SIGNATURE_CHARS)
  signature: string;

  /** The user handle a discoverable credential stores (the account id). */
  @IsOptional()
  @Base64Url(128)
  userHandle?: string;
}

class PublicKeyCredentialDto {
  /** The credential id, base64url. */
  @Base64Url(CREDENTIAL_ID_CHARS)
  id: string;

  /** The same id, base64url. */
  @Base64Url(CREDENTIAL_ID_CHARS)
  rawId: string;

  @IsIn(['public-key'])
  type: 'public-key';

  @IsOptional()
  @IsIn(['platform', 'cross-platform'])
  authenticatorAttachment?: 'platform' | 'cross-platform';

  @IsObject()
  @ValidateNested()
  @Type(() => ClientExtensionResultsDto)
  clientExtensionResults: ClientExtensionResultsDto;
}

/** What `navigator.credentials.create()` answered, as `@simplewebauthn/browser`'s `startRegistration` returns it. */
export class RegistrationResponseDto extends PublicKeyCredentialDto {
  @IsObject()
  @ValidateNested()
  @Type(() => AttestationResponseDto)
  response: AttestationResponseDto;
}

/** What `navigator.credentials.get()` answered, as `@simplewebauthn/browser`'s `startAuthentication` returns it. */
export class AuthenticationResponseDto extends PublicKeyCredentialDto {
  @IsObject()
  @ValidateNested()
  @Type(() => AssertionResponseDto)
  response: AssertionResponseDto;
}
