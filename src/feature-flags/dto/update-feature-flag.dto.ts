import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { Role, ROLES } from '../../common/auth/auth-user';
import { MAX_ALLOW_EMAILS } from '../flag-change';

export class UpdateFeatureFlagDto {
  /** The kill switch: false turns the flag off for everyone at once (on every replica within 5 seconds). */
  @IsBoolean()
  enabled: boolean;

  /**
   * Share of users (0-100) the flag is on for; omitted keeps the current value.
   * @example 25
   */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  rolloutPercent?: number;

  /** Roles that get the flag whatever the percentage; omitted keeps the current list, [] clears it. */
  @IsOptional()
  @IsArray()
  @IsIn(ROLES, { each: true, message: `each value in roles must be one of: ${ROLES.join(', ')}` })
  roles?: Role[];

  /**
   * Emails that get the flag whatever the percentage (stored lowercase, at most 1000); omitted keeps the
   * current list, [] clears it.
   */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_ALLOW_EMAILS)
  @IsEmail({}, { each: true, message: 'each value in allowEmails must be a valid email address' })
  @MaxLength(254, { each: true })
  allowEmails?: string[];
}
