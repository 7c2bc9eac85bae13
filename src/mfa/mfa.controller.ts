import { Body, Controller, Get, HttpCode, HttpStatus, Post, Req, Res, UseGuards } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiProduces,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthUser } from '../common/auth/auth-user';
import { AllowScope, Authenticated, CurrentUser } from '../common/decorators/auth.decorators';
import { RateLimit } from '../common/rate-limit/rate-limit.decorator';
import { RateLimitGuard } from '../common/rate-limit/rate-limit.guard';
import { BackupCodesResponseDto } from './dto/backup-codes-response.dto';
import { DisableMfaDto } from './dto/disable-mfa.dto';
import { MfaEnabledResponseDto } from './dto/mfa-enabled-response.dto';
import { RegenerateBackupCodesDto } from './dto/regenerate-backup-codes.dto';
import { MfaSetupResponseDto } from './dto/mfa-setup-response.dto';
import { MfaStatusResponseDto } from './dto/mfa-status-response.dto';
import { VerifyTotpDto } from './dto/verify-totp.dto';
import { MfaService } from './mfa.service';

@ApiTags('2fa')
@Authenticated()
@Controller('2fa')
export class MfaController {
  constructor(private readonly mfa: MfaService) {}

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
    return this.mfa.setup(user);
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

  /** Turns two-factor authentication off. Needs the password and a current code or backup code; other sessions end. */
  @ApiOperation({ summary: 'Turn two-factor authentication off' })
  @ApiNoContentResponse({ description: 'Two-factor authentication is off; other sessions ended' })
  @ApiBadRequestResponse({ description: 'The code is malformed or not valid' })
  @ApiForbiddenResponse({ description: 'The password is wrong' })
  @ApiConflictResponse({ description: 'Two-factor authentication is off already' })
  @Post('disable')
  @HttpCode(HttpStatus.NO_CONTENT)
  async disable(@CurrentUser() user: AuthUser, @Body() dto: DisableMfaDto): Promise<void> {
    await this.mfa.disable(user, dto.password, dto.code);
  }

  /**
   * New backup codes for a current TOTP code; the old set stops working. With `Accept: text/plain` the
   * codes come as a downloadable text file.
   */
  @ApiOperation({ summary: 'Regenerate backup codes' })
  @ApiProduces('application/json', 'text/plain')
  @ApiOkResponse({ type: BackupCodesResponseDto, description: 'JSON, or a text file with Accept: text/plain' })
  @ApiBadRequestResponse({ description: 'The code is malformed or not valid' })
  @ApiConflictResponse({ description: 'Two-factor authentication is off' })
  @Post('backup-codes/regenerate')
  @HttpCode(HttpStatus.OK)
  async regenerate(
    @CurrentUser() user: AuthUser,
    @Body() dto: RegenerateBackupCodesDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BackupCodesResponseDto | string> {
    const backupCodes = await this.mfa.regenerateBackupCodes(user, dto.code);
    const accept = request.headers.accept ?? '';
    if (!accept.includes('text/plain')) return { backupCodes };
    void reply
      .header('content-type', 'text/plain; charset=utf-8')
      .header('content-disposition', 'attachment; filename="twofold-backup-codes.txt"')
      .header('cache-control', 'no-store');
    return `Twofold backup codes\nEach code works once. Keep them somewhere safe.\n\n${backupCodes.join('\n')}\n`;
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
    await this.mfa.skip(user);
  }

  /** Whether two-factor authentication is on, since when, and how many backup codes are left. */
  @ApiOperation({ summary: 'Two-factor status' })
  @Get('status')
  status(@CurrentUser() user: AuthUser): Promise<MfaStatusResponseDto> {
    return this.mfa.status(user);
  }
}
