import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Config } from '../config/configuration';
import { MailService } from './mail.service';
import { renderLinkMail } from './templates';

/**
 * Mails that carry a single-use link. Links are built from PUBLIC_URL only, never from the request's
 * Host or X-Forwarded-Host, so a forged header can't point a victim's reset link at an attacker.
 */
@Injectable()
export class AccountMails {
  private readonly publicUrl: string;

  constructor(
    private readonly mail: MailService,
    config: ConfigService<Config, true>,
  ) {
    this.publicUrl = config.get('app.publicUrl', { infer: true });
  }

  passwordReset(to: string, token: string, ttlMinutes: number): void {
    this.mail.send(
      renderLinkMail(
        {
          template: 'password_reset',
          subject: 'Reset your password',
          lines: [
            'Someone (hopefully you) asked to reset the password of your account.',
            `The link works once, for ${ttlMinutes} minutes. Two-factor authentication still applies afterwards.`,
          ],
          action: 'Choose a new password',
          link: this.link('/reset-password', token),
          ignoreLine: 'If you did not ask for this, ignore this mail: your password stays as it is.',
        },
        to,
      ),
    );
  }

  emailVerification(to: string, token: string, ttlHours: number): void {
    this.mail.send(
      renderLinkMail(
        {
          template: 'email_verification',
          subject: 'Confirm your email address',
          lines: [`Confirm that this address belongs to you. The link works once, for ${ttlHours} hours.`],
          action: 'Confirm my email address',
          link: this.link('/verify-email', token),
          ignoreLine: 'If you did not create an account, ignore this mail.',
        },
        to,
      ),
    );
  }

  magicLink(to: string, token: string, ttlMinutes: number): void {
    this.mail.send(
      renderLinkMail(
        {
          template: 'magic_link',
          subject: 'Your sign-in link',
          lines: [`Use this link to sign in. It works once, for ${ttlMinutes} minutes.`],
          action: 'Sign in',
          link: this.link('/magic-link', token),
          ignoreLine: 'If you did not ask to sign in, ignore this mail: nobody can sign in without the link.',
        },
        to,
      ),
    );
  }

  private link(path: string, token: string): string {
    return `${this.publicUrl}${path}?token=${encodeURIComponent(token)}`;
  }
}
