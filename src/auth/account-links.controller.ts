import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiGoneResponse,
  ApiNoContentResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Public } from '../common/decorators/public.decorator';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { AcceptedResponseDto } from './dto/accepted-response.dto';
import { EmailDto, LinkTokenDto, ResetPasswordDto } from './dto/link-token.dto';
import { EmailVerificationService } from './email-verification.service';
import { PasswordService } from './password.service';

/** The flows driven by links in mail: password reset and email verification. */
@ApiTags('auth')
@Controller('auth')
export class AccountLinksController {
  constructor(
    private readonly passwords: PasswordService,
    private readonly verification: EmailVerificationService,
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
  @ApiBadRequestResponse({ description: 'Unknown token, or a new password that fails the policy or history' })
  @ApiGoneResponse({ description: 'The link was used, replaced by a newer one, or expired' })
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
  @ApiBadRequestResponse({ description: 'Unknown token' })
  @ApiGoneResponse({ description: 'The link was used, replaced by a newer one, or expired' })
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
}
