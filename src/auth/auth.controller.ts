import {
  Body,
  Controller,
  ForbiddenException,
  Get,
  HttpCode,
  HttpStatus,
  Post,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser } from '../common/auth/auth-user';
import { ApiErrors, DEPENDENCY_UNAVAILABLE, domainError } from '../common/decorators/api-errors.decorator';
import { AllowScope, Authenticated, CurrentUser } from '../common/decorators/auth.decorators';
import { Public } from '../common/decorators/public.decorator';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { csrfSatisfied, DEVICE_COOKIE, REFRESH_COOKIE, requestCookie, wantsCookies } from './auth-cookies';
import { ChangePasswordDto } from './dto/change-password.dto';
import { PasswordChange } from './password-change.service';
import { PasswordSignIn } from './password-sign-in.service';
import { RefreshService } from './refresh.service';
import { RegistrationService } from './registration.service';
import { SecondFactorSignIn } from './second-factor-sign-in.service';
import { TokenDelivery } from './token-delivery';
import { SessionService } from '../session/session.service';
import { UsersService } from '../users/users.service';
import { ACCOUNT_LOCKED, CURRENT_PASSWORD_WRONG } from '../lockout/lockout-api-errors';
import { RequiresProof } from '../lockout/requires-proof.decorator';
import { HASHER_OVERLOADED, PASSWORD_REUSED, WEAK_PASSWORD } from '../passwords/password-api-errors';
import { SESSION_ENDED } from '../session/session-api-errors';
import { USER_ERRORS, UserError } from '../users/user.exception';
import { AUTH_ERRORS, AuthError } from './auth.exception';
import { DEVICE_ERRORS, DeviceError } from '../devices/device.exception';
import { ApiCookieMode, LOGIN_EXAMPLES, SESSION_EXAMPLES } from './sign-in-api-docs';
import { LoginResponseDto } from './dto/login-response.dto';
import { Login2faDto } from './dto/login-2fa.dto';
import { LoginDto } from './dto/login.dto';
import { MeResponseDto } from '../users/dto/me-response.dto';
import { RefreshTokenDto } from './dto/refresh-token.dto';
import { RegisterUserDto } from './dto/register-user.dto';
import { UserResponseDto } from '../users/dto/user-response.dto';

@ApiTags('auth')
@ApiErrors(DEPENDENCY_UNAVAILABLE)
@Controller('auth')
export class AuthController {
  constructor(
    private readonly registration: RegistrationService,
    private readonly passwordSignIn: PasswordSignIn,
    private readonly secondFactor: SecondFactorSignIn,
    private readonly refreshes: RefreshService,
    private readonly passwords: PasswordChange,
    private readonly sessions: SessionService,
    private readonly users: UsersService,
    private readonly delivery: TokenDelivery,
  ) {}

  /** Creates an account. Every password-policy problem is reported in one 400. */
  @ApiOperation({ summary: 'Register an account' })
  @ApiErrors(
    WEAK_PASSWORD,
    domainError(
      AUTH_ERRORS,
      AuthError.RegistrationClosed,
      'Self-service registration is off (flag `registration_open`)',
    ),
    domainError(USER_ERRORS, UserError.EmailTaken, 'An account with this email already exists (in any letter case)'),
    HASHER_OVERLOADED,
  )
  @Public()
  @RateLimit('register')
  @Post('register')
  register(@Body() dto: RegisterUserDto): Promise<UserResponseDto> {
    return this.registration.register(dto);
  }

  /**
   * Password login. Unknown email and wrong password get the same 401 in about the same time.
   * An expired or admin-reset password answers `password_change_required` with a restricted token. A
   * remembered device's token (`deviceToken`, or the `device_token` cookie) skips the second factor.
   */
  @ApiOperation({ summary: 'Log in with email and password' })
  @ApiOkResponse({ type: LoginResponseDto, examples: LOGIN_EXAMPLES })
  @ApiErrors(
    domainError(
      AUTH_ERRORS,
      AuthError.InvalidCredentials,
      'Wrong email or password: the same answer, in about the same time, whether or not the account exists',
    ),
    domainError(
      AUTH_ERRORS,
      AuthError.EmailNotVerified,
      'EMAIL_VERIFICATION=required and the address is not confirmed',
    ),
    ACCOUNT_LOCKED,
    HASHER_OVERLOADED,
    domainError(
      DEVICE_ERRORS,
      DeviceError.DeviceTokenUsed,
      'A concurrent sign-in used the same device token first (only one may hold its successor)',
    ),
  )
  @Public()
  @RateLimit('login')
  @ApiCookieMode()
  @Post('login')
  @HttpCode(HttpStatus.OK)
  async login(
    @Body() dto: LoginDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponseDto> {
    const deviceToken = dto.deviceToken ?? requestCookie(request, DEVICE_COOKIE);
    const result = await this.passwordSignIn.login(dto.email, dto.password, deviceToken);
    return this.delivery.deliver(result, wantsCookies(request), reply);
  }

  /**
   * The second step of a login with two-factor authentication: the `mfaToken` and a 6-digit TOTP code or
   * a backup code. Answers like login, with an `aal2` session. Wrong codes count towards the lockout.
   */
  @ApiOperation({ summary: 'Complete a login with a TOTP or backup code' })
  @ApiOkResponse({ type: LoginResponseDto, examples: SESSION_EXAMPLES })
  @ApiErrors(
    domainError(AUTH_ERRORS, AuthError.InvalidMfaToken, 'The `mfaToken` expired, was used already, or is not one'),
    domainError(
      AUTH_ERRORS,
      AuthError.InvalidSecondFactor,
      'Wrong or already used code; it counts towards the lockout',
    ),
    ACCOUNT_LOCKED,
  )
  @ApiCookieMode()
  @Public()
  @RateLimit('login2fa')
  @Post('login/2fa')
  @HttpCode(HttpStatus.OK)
  async loginWithSecondFactor(
    @Body() dto: Login2faDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponseDto> {
    const result = await this.secondFactor.login(dto.mfaToken, dto.code, dto.rememberDevice);
    return this.delivery.deliver(result, wantsCookies(request), reply);
  }

  /**
   * Trades a refresh token (in the body, or the `refresh_token` cookie with `X-CSRF-Token`) for a new
   * access token and a new refresh token; the old one dies.
   */
  @ApiOperation({ summary: 'Rotate a refresh token' })
  @ApiOkResponse({ type: LoginResponseDto, examples: SESSION_EXAMPLES })
  @ApiErrors(
    domainError(
      AUTH_ERRORS,
      AuthError.InvalidRefreshToken,
      'Unknown, expired or revoked refresh token, or a reused one (which ends every session of the user)',
    ),
    { status: 401, description: 'No refresh token in the body or the `refresh_token` cookie' },
    { status: 403, description: 'Cookie mode without the `X-CSRF-Token` header matching the `csrf_token` cookie' },
  )
  @Public()
  @RateLimit('refresh')
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  async refresh(
    @Body() dto: RefreshTokenDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponseDto> {
    const fromCookie = dto.refreshToken === undefined;
    const token = dto.refreshToken ?? requestCookie(request, REFRESH_COOKIE);
    if (!token) throw new UnauthorizedException('A refresh token is required');
    if (fromCookie && !csrfSatisfied(request)) throw new ForbiddenException('Missing or wrong X-CSRF-Token header');
    return this.delivery.deliver(await this.refreshes.refresh(token), fromCookie, reply);
  }

  /** Ends the current session; its refresh token stops working at once. */
  @ApiOperation({ summary: 'Log out' })
  @ApiNoContentResponse({ description: 'Session ended' })
  @Authenticated()
  @AllowScope('password_change', 'mfa_enrollment')
  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  async logout(@CurrentUser() user: AuthUser, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.sessions.revoke(user.sessionId, 'logout');
    this.delivery.clear(reply);
  }

  /**
   * Changes the password. Needs the current password (a wrong one counts on the account's failure
   * counter, like a login); the new one meets the policy and differs from
   * the last PASSWORD_HISTORY_COUNT. Every other session ends; a `password_change` session becomes full
   * from its next refresh.
   */
  @ApiOperation({ summary: 'Change my password' })
  @ApiNoContentResponse({ description: 'Password changed; other sessions ended' })
  @ApiErrors(WEAK_PASSWORD, PASSWORD_REUSED, SESSION_ENDED, CURRENT_PASSWORD_WRONG, HASHER_OVERLOADED)
  @Authenticated()
  @AllowScope('password_change')
  @RequiresProof()
  @Post('password/change')
  @HttpCode(HttpStatus.NO_CONTENT)
  async changePassword(@CurrentUser() user: AuthUser, @Body() dto: ChangePasswordDto): Promise<void> {
    await this.passwords.change(user, dto.currentPassword, dto.newPassword);
  }

  /** The signed-in user and the current session. */
  @ApiOperation({ summary: 'Who am I' })
  @ApiErrors(SESSION_ENDED)
  @Authenticated()
  @AllowScope('password_change', 'mfa_enrollment')
  @Get('me')
  me(@CurrentUser() user: AuthUser): Promise<MeResponseDto> {
    return this.users.me(user);
  }
}
