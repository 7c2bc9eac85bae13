import { Body, Controller, Get, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthUser } from '../common/auth/auth-user';
import { AllowScope, Authenticated, CurrentUser } from '../common/decorators/auth.decorators';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { MfaEnabledResponseDto } from './dto/mfa-enabled-response.dto';
import { MfaSetupResponseDto } from './dto/mfa-setup-response.dto';
import { MfaStatusResponseDto } from './dto/mfa-status-response.dto';
import { VerifyTotpDto } from './dto/verify-totp.dto';
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
  @ApiConflictResponse({ description: 'Two-factor authentication is already on' })
  @ApiForbiddenResponse({ description: 'The sign-in is older than 10 minutes: sign in again' })
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
  @ApiBadRequestResponse({ description: 'The code is malformed or not valid' })
  @ApiConflictResponse({ description: 'No setup in progress, or two-factor authentication is already on' })
  @ApiForbiddenResponse({ description: 'The sign-in is older than 10 minutes: sign in again' })
  @AllowScope('mfa_enrollment')
  @Post('verify')
  @HttpCode(HttpStatus.OK)
  verify(@CurrentUser() user: AuthUser, @Body() dto: VerifyTotpDto): Promise<MfaEnabledResponseDto> {
    return this.mfa.verify(user, dto.code);
  }

  /** Declines the recommended enrollment for now; 403 where MFA_ENROLLMENT is `required`. */
  @ApiOperation({ summary: 'Skip recommended two-factor enrollment' })
  @ApiNoContentResponse({ description: 'Skipped' })
  @ApiForbiddenResponse({ description: 'Enrollment is required' })
  @ApiConflictResponse({ description: 'Two-factor authentication is already on' })
  @AllowScope('mfa_enrollment')
  @Post('skip')
  @HttpCode(HttpStatus.NO_CONTENT)
  async skip(@CurrentUser() user: AuthUser): Promise<void> {
    await this.setupService.skip(user);
  }

  /** Whether two-factor authentication is on, since when, and how many backup codes are left. */
  @ApiOperation({ summary: 'Two-factor status' })
  @Get('status')
  status(@CurrentUser() user: AuthUser): Promise<MfaStatusResponseDto> {
    return this.mfa.status(user);
  }
}
