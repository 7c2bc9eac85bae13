import { Body, Controller, Delete, HttpCode, HttpStatus, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../common/auth/auth-user';
import { ApiErrors, domainError } from '../common/decorators/api-errors.decorator';
import { Authenticated, CurrentUser } from '../common/decorators/auth.decorators';
import { PasswordProofDto } from '../lockout/dto/password-proof.dto';
import { CURRENT_PASSWORD_WRONG } from '../lockout/lockout-api-errors';
import { ProofService } from '../lockout/proof.service';
import { RequiresProof } from '../lockout/requires-proof.decorator';
import { MFA_INVALID_CODE, PASSKEY_NOT_FOUND } from '../mfa/mfa-api-errors';
import { MFA_ERRORS, MfaError } from '../mfa/mfa.exception';
import { PasskeyService } from '../mfa/passkey.service';
import { HASHER_OVERLOADED } from '../passwords/password-api-errors';
import { SESSION_ENDED } from '../session/session-api-errors';

/**
 * Removing a passkey needs proof at the time, on the failure counter, which the Mfa module (below Auth)
 * can't reach; the rest of `/webauthn` is `WebauthnController`.
 */
@ApiTags('passkeys')
@Authenticated()
@Controller('webauthn')
export class PasskeyManagementController {
  constructor(
    private readonly proof: ProofService,
    private readonly passkeys: PasskeyService,
  ) {}

  /**
   * Removes one of the caller's passkeys. Needs the password and a current code or backup code, which
   * count on the failure counter like a login's. The last second factor can't go this way: turn 2FA
   * off instead (`POST /2fa/disable`).
   */
  @ApiOperation({ summary: 'Remove a passkey' })
  @ApiNoContentResponse({ description: 'Removed; a security mail tells the user' })
  @ApiErrors(
    PASSKEY_NOT_FOUND,
    MFA_INVALID_CODE,
    CURRENT_PASSWORD_WRONG,
    domainError(MFA_ERRORS, MfaError.LastSecondFactor, 'It is the only second factor (no TOTP, no other passkey)'),
    SESSION_ENDED,
    HASHER_OVERLOADED,
  )
  @RequiresProof()
  @Delete('credentials/:id')
  @HttpCode(HttpStatus.NO_CONTENT)
  async remove(
    @CurrentUser() user: AuthUser,
    @Param('id', new ParseUUIDPipe({ version: '4' })) id: string,
    @Body() dto: PasswordProofDto,
  ): Promise<void> {
    await this.passkeys.assertRemovable(user.userId, id);
    await this.proof.prove(user.userId, 'passkey_remove', dto);
    await this.passkeys.remove(user.userId, id);
  }
}
