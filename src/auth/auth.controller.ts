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
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser } from '../common/auth/auth-user';
import { AllowScope, Authenticated, CurrentUser } from '../common/decorators/auth.decorators';
import { Public } from '../common/decorators/public.decorator';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { csrfSatisfied, REFRESH_COOKIE, wantsCookies } from './auth-cookies';
import { ChangePasswordDto } from './dto/change-password.dto';
import { PasswordChange } from './password-change.service';
import { PasswordSignIn } from './password-sign-in.service';
import { RefreshService } from './refresh.service';
import { RegistrationService } from './registration.service';
import { SecondFactorSignIn } from './second-factor-sign-in.service';
import { TokenDelivery } from './token-delivery';
import { SessionService } from '../session/session.service';
import { UsersService } from '../users/users.service';
import { RequiresProof } from '../lockout/requires-proof.decorator';
import { LoginResponseDto } from './dto/login-response.dto';
import { Login2faDto } from './dto/login-2fa.dto';
import { LoginDto } from './dto/login.dto';
import { MeResponseDto } from '../users/dto/me-response.dto';
import { RefreshTokenDto } from './dto/refresh-token.dto';
import { RegisterUserDto } from './dto/register-user.dto';
import { UserResponseDto } from '../users/dto/user-response.dto';

@ApiTags('auth')
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
  @ApiBadRequestResponse({ description: 'Invalid input or a password that fails the policy (with the reasons)' })
  @ApiConflictResponse({ description: 'An account with this email already exists' })
  @Public()
  @RateLimit('register')
  @Post('register')
  register(@Body() dto: RegisterUserDto): Promise<UserResponseDto> {
    return this.registration.register(dto);
  }

  /**
   * Password login. Unknown email and wrong password get the same 401 in about the same time.
   * An expired or admin-reset password answers `password_change_required` with a restricted token.
   */
  @ApiOperation({ summary: 'Log in with email and password' })
  @ApiUnauthorizedResponse({ description: 'Invalid email or password' })
  @ApiResponse({ status: 423, description: 'Account locked; `lockedUntil` says until when' })
  @ApiServiceUnavailableResponse({ description: 'Too many logins in progress; retry after Retry-After seconds' })
  @Public()
  @RateLimit('login')
  @ApiHeader({ name: 'X-Auth-Mode', required: false, description: '`cookie`: deliver the tokens as cookies' })
  @Post('login')
  @HttpCode(HttpStatus.OK)
  async login(
    @Body() dto: LoginDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponseDto> {
    const result = await this.passwordSignIn.login(dto.email, dto.password);
    return this.delivery.deliver(result, wantsCookies(request), reply);
  }

  /**
   * The second step of a login with two-factor authentication: the `mfaToken` and a 6-digit TOTP code or
   * a backup code. Answers like login, with an `aal2` session. Wrong codes count towards the lockout.
   */
  @ApiOperation({ summary: 'Complete a login with a TOTP or backup code' })
  @ApiUnauthorizedResponse({ description: 'Wrong code, or an expired or used MFA token' })
  @ApiResponse({ status: 423, description: 'Account locked; `lockedUntil` says until when' })
  @ApiHeader({ name: 'X-Auth-Mode', required: false, description: '`cookie`: deliver the tokens as cookies' })
  @Public()
  @RateLimit('login2fa')
  @Post('login/2fa')
  @HttpCode(HttpStatus.OK)
  async loginWithSecondFactor(
    @Body() dto: Login2faDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponseDto> {
    const result = await this.secondFactor.login(dto.mfaToken, dto.code);
    return this.delivery.deliver(result, wantsCookies(request), reply);
  }

  /**
   * Trades a refresh token (in the body, or the `refresh_token` cookie with `X-CSRF-Token`) for a new
   * access token and a new refresh token; the old one dies.
   */
  @ApiOperation({ summary: 'Rotate a refresh token' })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiUnauthorizedResponse({ description: 'Unknown, expired, revoked or reused refresh token' })
  @ApiForbiddenResponse({ description: 'Cookie mode without a matching X-CSRF-Token header' })
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
    const token = dto.refreshToken ?? request.cookies?.[REFRESH_COOKIE];
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
  @ApiBadRequestResponse({ description: 'The new password fails the policy or was used recently' })
  @ApiForbiddenResponse({ description: 'The current password is wrong' })
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
  @Authenticated()
  @AllowScope('password_change', 'mfa_enrollment')
  @Get('me')
  me(@CurrentUser() user: AuthUser): Promise<MeResponseDto> {
    return this.users.me(user);
  }
}
