import { IsString, Matches, MaxLength, MinLength } from 'class-validator';

export class DisableMfaDto {
  /** The account password, proving the change is wanted by its owner. */
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password: string;

  /** A current 6-digit code or an unused backup code. */
  @Matches(/^(\d{6}|[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}-?[A-Za-z0-9]{4})$/, {
    message: 'code must be a 6-digit code or a backup code',
  })
  code: string;
}
