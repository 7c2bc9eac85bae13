import { Body, Controller, Delete, Get, Header, HttpCode, HttpStatus } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../common/auth/auth-user';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { Authenticated, CurrentUser } from '../common/decorators/auth.decorators';
import { AccountDeletion } from './account-deletion.service';
import { AccountExport } from './account-export.service';
import { AccountExportDto, DeleteAccountDto } from './dto/account-data.dto';
import { CURRENT_PASSWORD_WRONG } from '../lockout/lockout-api-errors';
import { RequiresProof } from '../lockout/requires-proof.decorator';
import { MFA_INVALID_CODE } from '../mfa/mfa-api-errors';
import { HASHER_OVERLOADED } from '../passwords/password-api-errors';
import { SESSION_ENDED } from '../session/session-api-errors';

/** The signed-in user's own data. */
@ApiTags('users')
@Authenticated()
@Controller('users')
export class AccountDataController {
  constructor(
    private readonly exports: AccountExport,
    private readonly deletion: AccountDeletion,
  ) {}

  /** Everything the service keeps about the caller, as one JSON document (no hashes, secrets or tokens). */
  @ApiOperation({ summary: 'Export my data' })
  @ApiOkResponse({ type: AccountExportDto })
  @ApiErrors(SESSION_ENDED)
  @Header('content-disposition', 'attachment; filename="twofold-account.json"')
  @Header('cache-control', 'no-store')
  @Get('me/export')
  export(@CurrentUser() user: AuthUser): Promise<AccountExportDto> {
    return this.exports.export(user);
  }

  /**
   * Deletes the caller's account: needs the password, and a current code when 2FA is on (wrong ones count
   * on the account's failure counter, like a login's). Personal data is erased and every session ends;
   * the audit trail keeps its events under the anonymous id.
   */
  @ApiOperation({ summary: 'Delete my account' })
  @ApiNoContentResponse({ description: 'Account deleted' })
  @ApiErrors(
    { ...MFA_INVALID_CODE, description: `With 2FA on: ${MFA_INVALID_CODE.description}` },
    SESSION_ENDED,
    CURRENT_PASSWORD_WRONG,
    HASHER_OVERLOADED,
  )
  @RequiresProof()
  @Delete('me')
  @HttpCode(HttpStatus.NO_CONTENT)
  async delete(@CurrentUser() user: AuthUser, @Body() dto: DeleteAccountDto): Promise<void> {
    await this.deletion.delete(user, dto.password, dto.code);
  }
}
