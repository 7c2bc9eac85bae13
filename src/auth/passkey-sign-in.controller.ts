import { Body, Controller, HttpCode, HttpStatus, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { FastifyReply, FastifyRequest } from 'fastify';
import { ApiErrors, DEPENDENCY_UNAVAILABLE, domainError } from '../common/decorators/api-errors.decorator';
import { Public } from '../common/decorators/public.decorator';
import { RequireFlag } from '../feature-flags/require-flag.decorator';
import { ACCOUNT_LOCKED } from '../lockout/lockout-api-errors';
import { RequestOptionsDto } from '../mfa/dto/webauthn-options.dto';
import { PASSKEY_NOT_FOUND } from '../mfa/mfa-api-errors';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { wantsCookies } from './auth-cookies';
import { AUTH_ERRORS, AuthError } from './auth.exception';
import { LoginResponseDto } from './dto/login-response.dto';
import { LoginWebauthnDto, PasskeyLoginDto, PasskeyOptionsDto } from './dto/passkey-sign-in.dto';
import { PasskeySignIn } from './passkey-sign-in.service';
import { PasswordlessSignIn } from './passwordless-sign-in.service';
import { ApiCookieMode, SESSION_EXAMPLES } from './sign-in-api-docs';
import { TokenDelivery } from './token-delivery';

const INVALID_MFA_TOKEN = domainError(
  AUTH_ERRORS,
  AuthError.InvalidMfaToken,
  'The `mfaToken` expired, was used already, or is not one',
);
const REQUEST_OPTIONS = { type: RequestOptionsDto, description: 'For `startAuthentication({ optionsJSON })`' };

/** Signing in with a passkey: as the second factor of a password login, or alone (passwordless). */
@ApiTags('auth')
@ApiErrors(DEPENDENCY_UNAVAILABLE)
@Controller('auth')
export class PasskeySignInController {
  constructor(
    private readonly passkeys: PasskeySignIn,
    private readonly passwordlessSignIn: PasswordlessSignIn,
    private readonly delivery: TokenDelivery,
  ) {}

  /**
   * The options for `navigator.credentials.get()` (`startAuthentication` of `@simplewebauthn/browser`)
   * for a pending login: the account's passkeys, and a challenge good for 5 minutes and this login's user.
   */
  @ApiOperation({ summary: 'Start the passkey step of a login' })
  @ApiOkResponse(REQUEST_OPTIONS)
  @ApiErrors(INVALID_MFA_TOKEN, { ...PASSKEY_NOT_FOUND, description: 'The account has no passkey' })
  @Public()
  @RateLimit('login2fa')
  @Post('login/webauthn/options')
  @HttpCode(HttpStatus.OK)
  secondFactorOptions(@Body() dto: PasskeyOptionsDto): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return this.passkeys.secondFactorOptions(dto.mfaToken);
  }

  /**
   * Completes a login whose password was right with one of the account's passkeys: an `aal2` session,
   * `amr` `["pwd","hwk"]`. A wrong, replayed or foreign answer counts towards the lockout.
   */
  @ApiOperation({ summary: 'Complete a login with a passkey' })
  @ApiOkResponse({ type: LoginResponseDto, examples: SESSION_EXAMPLES })
  @ApiErrors(
    INVALID_MFA_TOKEN,
    domainError(
      AUTH_ERRORS,
      AuthError.InvalidSecondFactor,
      'The answer does not verify, answers no open challenge of this login (replayed, expired), comes from another origin, is not a passkey of the account, or its signature counter went backwards (a cloned authenticator, audited); it counts towards the lockout',
    ),
    ACCOUNT_LOCKED,
  )
  @ApiCookieMode()
  @Public()
  @RateLimit('login2fa')
  @Post('login/webauthn')
  @HttpCode(HttpStatus.OK)
  async secondFactor(
    @Body() dto: LoginWebauthnDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponseDto> {
    const result = await this.passkeys.secondFactor(dto.mfaToken, dto.response, dto.rememberDevice);
    return this.delivery.deliver(result, wantsCookies(request), reply);
  }

  /**
   * Options for a passwordless sign-in with a discoverable passkey: no `allowCredentials`, the browser
   * offers the user's passkeys for this site. A challenge good for 5 minutes and one sign-in.
   */
  @ApiOperation({ summary: 'Start a passwordless passkey sign-in' })
  @ApiOkResponse(REQUEST_OPTIONS)
  @Public()
  @RequireFlag('passkey_auth')
  @RateLimit('passkey')
  @Post('passkey/options')
  @HttpCode(HttpStatus.OK)
  passwordlessOptions(): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return this.passwordlessSignIn.options();
  }

  /**
   * Signs in with a passkey alone: `aal2` with `amr` `["hwk","user"]` when the authenticator verified
   * its user (PIN, biometrics), else `aal1` `["hwk"]`. An unknown passkey, or one of an account the
   * `passkey_auth` flag does not target, gets the same 401 as a wrong password.
   */
  @ApiOperation({ summary: 'Sign in with a passkey (passwordless)' })
  @ApiOkResponse({ type: LoginResponseDto, examples: SESSION_EXAMPLES })
  @ApiErrors(
    domainError(
      AUTH_ERRORS,
      AuthError.InvalidCredentials,
      'Unknown passkey, or an answer that does not verify, is replayed, comes from another origin or went backwards in its counter: the body of a wrong password',
    ),
    ACCOUNT_LOCKED,
  )
  @ApiCookieMode()
  @Public()
  @RequireFlag('passkey_auth')
  @RateLimit('passkey')
  @Post('passkey')
  @HttpCode(HttpStatus.OK)
  async passwordless(
    @Body() dto: PasskeyLoginDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponseDto> {
    const result = await this.passwordlessSignIn.login(dto.response);
    return this.delivery.deliver(result, wantsCookies(request), reply);
  }
}
