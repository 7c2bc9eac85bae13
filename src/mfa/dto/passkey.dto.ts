import { IsOptional, IsString, MaxLength, MinLength, Matches, IsObject, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { RegistrationResponseDto } from './webauthn-response.dto';

/** A passkey as its owner sees it: no key material, no counter. */
export class PasskeyDto {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  /** Whether the authenticator backs the passkey up (synced to the user's other devices). */
  backedUp: boolean;
  /** How the browser may reach the authenticator (`internal`, `usb`, `hybrid`, ...). */
  transports: string[];
}

export class PasskeyRegisteredDto extends PasskeyDto {
  /** Ten single-use backup codes when this passkey is the user's first second factor; shown this once. */
  backupCodes?: string[];
}

const NAME_RULES = [IsString(), MinLength(1), MaxLength(64), Matches(/\S/, { message: 'name must not be blank' })];

function PasskeyName(): PropertyDecorator {
  return (target, key) => NAME_RULES.forEach((rule) => rule(target, key));
}

export class RegisterPasskeyDto {
  /** What `startRegistration()` of `@simplewebauthn/browser` returned for the options. */
  @IsObject()
  @ValidateNested()
  @Type(() => RegistrationResponseDto)
  response: RegistrationResponseDto;

  /** A name to tell the passkey apart (default `Passkey`). */
  @IsOptional()
  @PasskeyName()
  name?: string;
}

export class RenamePasskeyDto {
  @PasskeyName()
  name: string;
}
