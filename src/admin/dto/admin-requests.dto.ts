import { Transform, Type } from 'class-transformer';
import {
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { Multiline } from '../../common/validation/untrusted-text';

const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class UserSearchQueryDto {
  /** Part of an email or display name (case-insensitive). */
  @IsOptional()
  @IsString()
  @MaxLength(254)
  query?: string;

  /** `nextCursor` of the previous page. */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,200}$/, { message: 'cursor is malformed' })
  cursor?: string;

  /** Page size, 1 to 100 (default 20). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

export class AdminReasonDto {
  /** Why: recorded in the audit trail (say how the user's identity was checked). May span lines. */
  @Multiline()
  @Transform(trimmed)
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason: string;
}

export class AuditQueryDto {
  @IsOptional()
  @IsUUID()
  userId?: string;

  /** An event type, e.g. `login.failed`. */
  @IsOptional()
  @IsString()
  @Matches(/^[a-z_]+(\.[a-z_]+)+$/, { message: 'type must be a dotted lowercase event type' })
  @MaxLength(64)
  type?: string;

  /** From this time on (ISO 8601, inclusive). */
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  /** Before this time (ISO 8601, exclusive). */
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  /** `nextCursor` of the previous page. */
  @IsOptional()
  @IsString()
  @Matches(/^\d{1,19}$/, { message: 'cursor is malformed' })
  cursor?: string;

  /** Page size, 1 to 200 (default 50). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}
