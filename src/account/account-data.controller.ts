import { Body, Controller, Delete, Get, Header, HttpCode, HttpStatus } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthUser } from '../common/auth/auth-user';
import { Authenticated, CurrentUser } from '../common/decorators/auth.decorators';
import { AccountDeletion } from './account-deletion.service';
import { AccountExport } from './account-export.service';
import { AccountExportDto, DeleteAccountDto } from './dto/account-data.dto';
import { RequiresProof } from '../lockout/requires-proof.decorator';

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
  @ApiBadRequestResponse({ description: 'The 2FA code is missing, malformed or wrong' })
  @ApiForbiddenResponse({ description: 'The password is wrong' })
  @RequiresProof()
  @Delete('me')
  @HttpCode(HttpStatus.NO_CONTENT)
  async delete(@CurrentUser() user: AuthUser, @Body() dto: DeleteAccountDto): Promise<void> {
    await this.deletion.delete(user, dto.password, dto.code);
  }
}
