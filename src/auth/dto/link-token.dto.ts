import { Transform } from 'class-transformer';
import { IsEmail, IsString, Matches, MaxLength } from 'class-validator';
import { LINK_TOKEN_PATTERN } from '../link-tokens.service';

const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class EmailDto {
  /** The account's email address. The answer is the same whether or not an account has it. */
  @Transform(trimmed)
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be an email address' })
  email: string;
}

export class LinkTokenDto {
  /** The `token` parameter of the link in the mail (43 characters, base64url). */
  @IsString()
  @Matches(LINK_TOKEN_PATTERN, { message: 'token is malformed' })
  token: string;
}

export class ResetPasswordDto extends LinkTokenDto {
  /** Must meet the policy and differ from the last PASSWORD_HISTORY_COUNT passwords. */
  @IsString()
  @MaxLength(1024)
  newPassword: string;
}
