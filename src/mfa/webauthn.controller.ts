import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  UseGuards,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import type { AuthUser } from '../common/auth/auth-user';
import { ApiErrors, domainError } from '../common/decorators/api-errors.decorator';
import { AllowScope, Authenticated, CurrentUser } from '../common/decorators/auth.decorators';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { CURRENT_SESSION_GONE, SESSION_ENDED } from '../session/session-api-errors';
import { CreationOptionsDto } from './dto/webauthn-options.dto';
import { PasskeyDto, PasskeyRegisteredDto, RegisterPasskeyDto, RenamePasskeyDto } from './dto/passkey.dto';
import {
  PASSKEY_NOT_FOUND,
  REAUTHENTICATION_REQUIRED,
  WEBAUTHN_CHALLENGE_INVALID,
  WEBAUTHN_VERIFICATION_FAILED,
} from './mfa-api-errors';
import { MFA_ERRORS, MfaError } from './mfa.exception';
import { PasskeyRegistration } from './passkey-registration.service';
import { PasskeyService } from './passkey.service';
import { RecentSignInGuard } from './recent-sign-in';

/** Passkeys as second factors: registering, listing and renaming them (removal needs proof: `PasskeyManagementController`). */
@ApiTags('passkeys')
@Authenticated()
@Controller('webauthn')
export class WebauthnController {
  constructor(
    private readonly registration: PasskeyRegistration,
    private readonly passkeys: PasskeyService,
  ) {}

  /**
   * The options for `navigator.credentials.create()` (`startRegistration` of `@simplewebauthn/browser`):
   * a challenge good for 5 minutes and one registration, the user's passkeys excluded. Needs a sign-in
   * from the last 10 minutes; limited per user by RATE_LIMIT_MFA_SETUP.
   */
  @ApiOperation({ summary: 'Start registering a passkey' })
  @ApiOkResponse({ type: CreationOptionsDto, description: 'For `startRegistration({ optionsJSON })`' })
  @ApiErrors(SESSION_ENDED, REAUTHENTICATION_REQUIRED, CURRENT_SESSION_GONE)
  @AllowScope('mfa_enrollment')
  @RateLimit('mfaSetup')
  @UseGuards(RateLimitGuard, RecentSignInGuard)
  @Post('register/options')
  @HttpCode(HttpStatus.OK)
  registrationOptions(@CurrentUser() user: AuthUser): Promise<PublicKeyCredentialCreationOptionsJSON> {
    return this.registration.registrationOptions(user);
  }

  /**
   * Stores the passkey the browser created for the options' challenge, once its origin
   * (WEBAUTHN_ORIGINS), RP ID (WEBAUTHN_RP_ID) and challenge check out. The first second factor of the
   * account turns 2FA on and comes with ten backup codes, shown this once.
   */
  @ApiOperation({ summary: 'Finish registering a passkey' })
  @ApiCreatedResponse({ type: PasskeyRegisteredDto })
  @ApiErrors(
    WEBAUTHN_CHALLENGE_INVALID,
    WEBAUTHN_VERIFICATION_FAILED,
    domainError(MFA_ERRORS, MfaError.PasskeyAlreadyRegistered, 'This authenticator is registered already'),
    SESSION_ENDED,
    REAUTHENTICATION_REQUIRED,
    CURRENT_SESSION_GONE,
  )
  @AllowScope('mfa_enrollment')
  @UseGuards(RecentSignInGuard)
  @Post('register/verify')
  @HttpCode(HttpStatus.CREATED)
  register(@CurrentUser() user: AuthUser, @Body() dto: RegisterPasskeyDto): Promise<PasskeyRegisteredDto> {
    return this.registration.register(user, dto.response, dto.name);
  }

  /** The caller's passkeys, oldest first: names and times, never key material. */
  @ApiOperation({ summary: 'List my passkeys' })
  @ApiOkResponse({ type: [PasskeyDto] })
  @Get('credentials')
  list(@CurrentUser() user: AuthUser): Promise<PasskeyDto[]> {
    return this.passkeys.list(user.userId);
  }

  /** Renames one of the caller's passkeys. */
  @ApiOperation({ summary: 'Rename a passkey' })
  @ApiOkResponse({ type: PasskeyDto })
  @ApiErrors(PASSKEY_NOT_FOUND)
  @Patch('credentials/:id')
  rename(
    @CurrentUser() user: AuthUser,
    @Param('id', new ParseUUIDPipe({ version: '4' })) id: string,
    @Body() dto: RenamePasskeyDto,
  ): Promise<PasskeyDto> {
    return this.passkeys.rename(user.userId, id, dto.name);
  }
}
