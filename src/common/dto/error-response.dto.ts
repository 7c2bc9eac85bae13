import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * The one shape of every error the service sends (`sendError`), the framework's own refusals included.
 * Each documented error response narrows `code` to the values that response can carry.
 */
export class ErrorResponseDto {
  /** The HTTP status, repeated. */
  @ApiProperty({ type: 'integer', example: 401 })
  statusCode: number;

  /** The status's reason phrase. */
  @ApiProperty({ example: 'Unauthorized' })
  error: string;

  /** What went wrong, in words for people; validation errors give one entry per problem. */
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: 'Invalid email or password',
  })
  message: string | string[];

  /**
   * A stable, machine-readable reason in snake_case: branch on this, never on `message`. Answers of the
   * authentication guard, validation and rate limiting carry none.
   */
  @ApiPropertyOptional({ pattern: '^[a-z]+(_[a-z]+)*$', example: 'invalid_credentials' })
  code?: string;

  /** The request's id, as in the `X-Request-ID` header: quote it when reporting a problem. */
  @ApiProperty({ example: '5f0c8a52-58d4-4f43-9d5e-3f2b8f4c1a7e' })
  requestId: string;
}
