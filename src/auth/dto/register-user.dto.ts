import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateBy } from 'class-validator';
import { canonicalEmail, hasHiddenCharacter, HIDDEN_CHARACTER_MESSAGE } from '../../common/email-address';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);
const canonical = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? canonicalEmail(value.trim()) : value;

/** Refuses an email with a character that is invisible or turns text around (see `hasHiddenCharacter`). */
const NoHiddenCharacter = () =>
  ValidateBy({
    name: 'noHiddenCharacter',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !hasHiddenCharacter(value),
      defaultMessage: () => HIDDEN_CHARACTER_MESSAGE,
    },
  });

export class RegisterUserDto {
  /**
   * Sign-in email, stored in NFC; unique regardless of case, and refused when it looks like an
   * existing account's (the same Unicode TS #39 confusable skeleton) or holds an invisible character.
   */
  @Transform(canonical)
  @NoHiddenCharacter()
  @IsEmail({}, { message: 'email must be a valid email address' })
  @MaxLength(254)
  email: string;

  /** At least PASSWORD_MIN_LENGTH characters, at most 128; checked against the password policy. */
  @IsString()
  @MaxLength(1024)
  password: string;

  /** Name shown to the user and to admins. */
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(/^[^\u0000-\u001f\u007f]*$/, { message: 'displayName must not contain control characters' })
  displayName?: string;
}
