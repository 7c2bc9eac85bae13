import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

export class RegisterUserDto {
  /** Sign-in email; unique regardless of case. */
  @Transform(trim)
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
