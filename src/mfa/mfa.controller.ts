import { Body, Controller, Get, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../common/auth/auth-user';
import { ApiErrors, domainError } from '../common/decorators/api-errors.decorator';
import { AllowScope, Authenticated, CurrentUser } from '../common/decorators/auth.decorators';
import { CURRENT_SESSION_GONE, SESSION_ENDED } from '../session/session-api-errors';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { MfaEnabledResponseDto } from './dto/mfa-enabled-response.dto';
import { MfaSetupResponseDto } from './dto/mfa-setup-response.dto';
import { MfaStatusResponseDto } from './dto/mfa-status-response.dto';
import { VerifyTotpDto } from './dto/verify-totp.dto';
import { MFA_ALREADY_ENABLED, MFA_INVALID_CODE, REAUTHENTICATION_REQUIRED } from './mfa-api-errors';
import { MFA_ERRORS, MfaError } from './mfa.exception';
import { MfaService } from './mfa.service';
import { TotpSetup } from './totp-setup.service';

@ApiTags('2fa')
@Authenticated()
@Controller('2fa')
export class MfaController {
  constructor(
    private readonly mfa: MfaService,
    private readonly setupService: TotpSetup,
  ) {}

  /**
   * Starts enrollment: a new TOTP secret, pending until verified (a new setup replaces it). Needs a
   * sign-in from the last 10 minutes. Limited per user by RATE_LIMIT_MFA_SETUP.
   */
  @ApiOperation({ summary: 'Start two-factor enrollment' })
  @ApiErrors(SESSION_ENDED, REAUTHENTICATION_REQUIRED, CURRENT_SESSION_GONE, MFA_ALREADY_ENABLED)
  @AllowScope('mfa_enrollment')
  @RateLimit('mfaSetup')
  @UseGuards(RateLimitGuard)
  @Post('setup')
  @HttpCode(HttpStatus.OK)
  setup(@CurrentUser() user: AuthUser): Promise<MfaSetupResponseDto> {
    return this.setupService.setup(user);
  }

  /** Confirms enrollment with a current code; returns the ten backup codes, shown this once. */
  @ApiOperation({ summary: 'Confirm two-factor enrollment' })
  @ApiErrors(
    { ...MFA_INVALID_CODE, description: 'The code is not the current one of the new secret' },
    SESSION_ENDED,
    REAUTHENTICATION_REQUIRED,
    CURRENT_SESSION_GONE,
    MFA_ALREADY_ENABLED,
    domainError(
      MFA_ERRORS,
      MfaError.NotPending,
      'No setup in progress (start with POST /2fa/setup), or another setup replaced it meanwhile',
    ),
  )
  @AllowScope('mfa_enrollment')
  @Post('verify')
  @HttpCode(HttpStatus.OK)
  verify(@CurrentUser() user: AuthUser, @Body() dto: VerifyTotpDto): Promise<MfaEnabledResponseDto> {
    return this.mfa.verify(user, dto.code);
  }

  /** Declines the recommended enrollment for now; 403 where MFA_ENROLLMENT is `required`. */
  @ApiOperation({ summary: 'Skip recommended two-factor enrollment' })
  @ApiNoContentResponse({ description: 'Skipped' })
  @ApiErrors(
    SESSION_ENDED,
    domainError(
      MFA_ERRORS,
      MfaError.EnrollmentRequired,
      'Enrollment is required (MFA_ENROLLMENT=required, or the `mfa_enforcement` grace ended)',
    ),
    MFA_ALREADY_ENABLED,
  )
  @AllowScope('mfa_enrollment')
  @Post('skip')
  @HttpCode(HttpStatus.NO_CONTENT)
  async skip(@CurrentUser() user: AuthUser): Promise<void> {
    await this.setupService.skip(user);
  }

  /** Whether two-factor authentication is on, since when, and how many backup codes are left. */
  @ApiOperation({ summary: 'Two-factor status' })
  @ApiErrors(SESSION_ENDED)
  @Get('status')
  status(@CurrentUser() user: AuthUser): Promise<MfaStatusResponseDto> {
    return this.mfa.status(user);
  }
}
