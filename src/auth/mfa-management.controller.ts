import { Body, Controller, HttpCode, HttpStatus, Post, Req, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser } from '../common/auth/auth-user';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { Authenticated, CurrentUser } from '../common/decorators/auth.decorators';
import { CURRENT_PASSWORD_WRONG } from '../lockout/lockout-api-errors';
import { MFA_INVALID_CODE, MFA_NOT_ENABLED } from '../mfa/mfa-api-errors';
import { HASHER_OVERLOADED } from '../passwords/password-api-errors';
import { SESSION_ENDED } from '../session/session-api-errors';
import { MfaService } from '../mfa/mfa.service';
import { MfaDisabling } from '../mfa/mfa-disabling.service';
import { BackupCodesResponseDto } from './dto/backup-codes-response.dto';
import { DisableMfaDto } from './dto/disable-mfa.dto';
import { RegenerateBackupCodesDto } from './dto/regenerate-backup-codes.dto';
import { ProofService } from '../lockout/proof.service';
import { RequiresProof } from '../lockout/requires-proof.decorator';

/**
 * The 2FA routes that need proof at the time. They live beside the proof and the failure counter it
 * counts on, which the Mfa module (below Auth) can't reach; the rest of `/2fa` is `MfaController`.
 */
@ApiTags('2fa')
@Authenticated()
@Controller('2fa')
export class MfaManagementController {
  constructor(
    private readonly proof: ProofService,
    private readonly mfa: MfaService,
    private readonly disabling: MfaDisabling,
  ) {}

  /**
   * Turns two-factor authentication off. Needs the password and a current code or backup code, which
   * count on the account's failure counter like a login; other sessions end.
   */
  @ApiOperation({ summary: 'Turn two-factor authentication off' })
  @ApiNoContentResponse({ description: 'Two-factor authentication is off; other sessions ended' })
  @ApiErrors(MFA_INVALID_CODE, SESSION_ENDED, CURRENT_PASSWORD_WRONG, MFA_NOT_ENABLED, HASHER_OVERLOADED)
  @RequiresProof()
  @Post('disable')
  @HttpCode(HttpStatus.NO_CONTENT)
  async disable(@CurrentUser() user: AuthUser, @Body() dto: DisableMfaDto): Promise<void> {
    await this.proof.prove(user.userId, 'mfa_disable', dto);
    await this.disabling.disable(user);
  }

  /**
   * New backup codes for a current TOTP code (counted like a login's when wrong); the old set stops
   * working. With `Accept: text/plain` the codes come as a downloadable text file.
   */
  @ApiOperation({ summary: 'Regenerate backup codes' })
  @ApiProduces('application/json', 'text/plain')
  @ApiOkResponse({ type: BackupCodesResponseDto, description: 'JSON, or a text file with Accept: text/plain' })
  @ApiErrors(MFA_INVALID_CODE, SESSION_ENDED, MFA_NOT_ENABLED)
  @RequiresProof()
  @Post('backup-codes/regenerate')
  @HttpCode(HttpStatus.OK)
  async regenerate(
    @CurrentUser() user: AuthUser,
    @Body() dto: RegenerateBackupCodesDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BackupCodesResponseDto | string> {
    await this.proof.prove(user.userId, 'backup_codes_regenerate', dto);
    const backupCodes = await this.mfa.regenerateBackupCodes(user);
    const accept = request.headers.accept ?? '';
    if (!accept.includes('text/plain')) return { backupCodes };
    void reply
      .header('content-type', 'text/plain; charset=utf-8')
      .header('content-disposition', 'attachment; filename="twofold-backup-codes.txt"')
      .header('cache-control', 'no-store');
    return `Twofold backup codes\nEach code works once. Keep them somewhere safe.\n\n${backupCodes.join('\n')}\n`;
  }
}
