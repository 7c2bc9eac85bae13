import { Body, Controller, HttpCode, HttpStatus, Post, Req, Res } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, DEPENDENCY_UNAVAILABLE, domainError } from '../common/decorators/api-errors.decorator';
import { Public } from '../common/decorators/public.decorator';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { AcceptedResponseDto } from './dto/accepted-response.dto';
import { EmailDto, LinkTokenDto, ResetPasswordDto } from './dto/link-token.dto';
import { EmailVerificationService } from './email-verification.service';
import { PasswordReset } from './password-reset.service';
import { MagicLinkService } from './magic-link.service';
import { MagicLinkSignIn } from './magic-link-sign-in.service';
import { TokenDelivery } from './token-delivery';
import { RequireFlag } from '../feature-flags/require-flag.decorator';
import { MAGIC_LINK_FLAG } from './magic-link-flag';
import { wantsCookies } from './auth-cookies';
import { LoginResponseDto } from './dto/login-response.dto';
import { ApiCookieMode, LOGIN_EXAMPLES } from './sign-in-api-docs';
import { ACCOUNT_LOCKED } from '../lockout/lockout-api-errors';
import { HASHER_OVERLOADED, PASSWORD_REUSED, WEAK_PASSWORD } from '../passwords/password-api-errors';
import { AUTH_ERRORS, AuthError } from './auth.exception';

const INVALID_LINK = domainError(AUTH_ERRORS, AuthError.InvalidLinkToken, 'Not a link this service sent');
const LINK_GONE = domainError(
  AUTH_ERRORS,
  AuthError.LinkTokenGone,
  'The link was used, replaced by a newer one, or expired; ask for a new one',
);

/** The flows driven by links in mail: password reset, email verification and magic-link sign-in. */
@ApiTags('auth')
@ApiErrors(DEPENDENCY_UNAVAILABLE)
@Controller('auth')
export class AccountLinksController {
  constructor(
    private readonly passwords: PasswordReset,
    private readonly verification: EmailVerificationService,
    private readonly magicLinks: MagicLinkService,
    private readonly magicLinkSignIn: MagicLinkSignIn,
    private readonly delivery: TokenDelivery,
  ) {}

  /**
   * Mails a password-reset link (valid PASSWORD_RESET_TTL_MINUTES, once) if an account has this email.
   * Always 202 with the same body, so the answer doesn't tell whether the account exists.
   */
  @ApiOperation({ summary: 'Ask for a password-reset link' })
  @ApiAcceptedResponse({ description: 'If an account has this email, a link is on its way', type: AcceptedResponseDto })
  @Public()
  @RateLimit('passwordReset')
  @Post('password/forgot')
  @HttpCode(HttpStatus.ACCEPTED)
  async forgot(@Body() dto: EmailDto): Promise<AcceptedResponseDto> {
    await this.passwords.forgot(dto.email);
    return { message: 'If an account has this email address, a link to reset its password is on its way.' };
  }

  /**
   * Sets a new password with the token from the reset link. Every session ends; 2FA still applies at
   * the next login. A password the policy refuses leaves the link usable.
   */
  @ApiOperation({ summary: 'Reset my password with the link from the mail' })
  @ApiNoContentResponse({ description: 'Password set; every session ended' })
  @ApiErrors(INVALID_LINK, WEAK_PASSWORD, PASSWORD_REUSED, LINK_GONE, HASHER_OVERLOADED)
  @Public()
  @RateLimit('passwordReset')
  @Post('password/reset')
  @HttpCode(HttpStatus.NO_CONTENT)
  async reset(@Body() dto: ResetPasswordDto): Promise<void> {
    await this.passwords.reset(dto.token, dto.newPassword);
  }

  /** Confirms the email address with the token from the verification link. */
  @ApiOperation({ summary: 'Confirm my email address' })
  @ApiNoContentResponse({ description: 'Email address confirmed' })
  @ApiErrors(INVALID_LINK, LINK_GONE)
  @Public()
  @Post('email/verify')
  @HttpCode(HttpStatus.NO_CONTENT)
  async verifyEmail(@Body() dto: LinkTokenDto): Promise<void> {
    await this.verification.verify(dto.token);
  }

  /**
   * Mails a new verification link to an unconfirmed account with this email (the old link stops
   * working). Always 202, and it needs no sign-in: with EMAIL_VERIFICATION=required, login waits for it.
   */
  @ApiOperation({ summary: 'Send a new email verification link' })
  @ApiAcceptedResponse({
    description: 'If an unconfirmed account has this email, a link is on its way',
    type: AcceptedResponseDto,
  })
  @Public()
  @RateLimit('emailVerify')
  @Post('email/verify/resend')
  @HttpCode(HttpStatus.ACCEPTED)
  async resend(@Body() dto: EmailDto): Promise<AcceptedResponseDto> {
    await this.verification.resend(dto.email);
    return { message: 'If an unconfirmed account has this email address, a new link is on its way.' };
  }

  /**
   * Mails a one-time sign-in link (valid MAGIC_LINK_TTL_MINUTES) when the email belongs to an account
   * the `passwordless_auth` flag targets. Always 202 with the same body; 404 while the flag is off.
   */
  @ApiOperation({ summary: 'Ask for a passwordless sign-in link' })
  @ApiAcceptedResponse({
    description: 'If the account may use passwordless sign-in, a link is on its way',
    type: AcceptedResponseDto,
  })
  @RequireFlag(MAGIC_LINK_FLAG)
  @Public()
  @RateLimit('magicLink')
  @Post('magic-link')
  @HttpCode(HttpStatus.ACCEPTED)
  async requestMagicLink(@Body() dto: EmailDto): Promise<AcceptedResponseDto> {
    await this.magicLinks.request(dto.email);
    return { message: 'If this email address may sign in without a password, a sign-in link is on its way.' };
  }

  /**
   * Signs in with the token from the link: answers like login (`mfa_required` with 2FA on, 423 when
   * locked). The link works once; a used, replaced or expired link answers 410.
   */
  @ApiOperation({ summary: 'Sign in with a magic link' })
  @ApiOkResponse({ type: LoginResponseDto, examples: LOGIN_EXAMPLES })
  @ApiErrors(
    INVALID_LINK,
    { ...LINK_GONE, description: `${LINK_GONE.description}, or the account may no longer sign in without a password` },
    ACCOUNT_LOCKED,
  )
  @RequireFlag(MAGIC_LINK_FLAG)
  @ApiCookieMode()
  @Public()
  @RateLimit('login')
  @Post('magic-link/verify')
  @HttpCode(HttpStatus.OK)
  async verifyMagicLink(
    @Body() dto: LinkTokenDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponseDto> {
    const result = await this.magicLinkSignIn.verify(dto.token);
    return this.delivery.deliver(result, wantsCookies(request), reply);
  }
}
