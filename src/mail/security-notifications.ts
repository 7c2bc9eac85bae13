import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock } from '../common/clock/clock';
import { currentClient } from '../common/http/request-context';
import { Config } from '../config/configuration';
import { MailService } from './mail.service';
import { Notice, renderNotice } from './templates';

/** Tells users about security-relevant changes to their account. Fire and forget: never throws. */
@Injectable()
export class SecurityNotifications {
  private readonly publicUrl: string;

  constructor(
    private readonly mail: MailService,
    private readonly clock: Clock,
    config: ConfigService<Config, true>,
  ) {
    this.publicUrl = config.get('app.publicUrl', { infer: true });
  }

  /**
   * `new_devices`: failures without a device token locked the account for every device that isn't
   * remembered; `this_device`: a remembered device's own failures locked only that device.
   */
  accountLocked(to: string, lockedUntil: Date, scope: 'new_devices' | 'this_device' = 'new_devices'): void {
    const until = `${lockedUntil.toISOString().replace('T', ' ').slice(0, 16)} UTC`;
    this.notify(to, {
      template: 'account_locked',
      subject:
        scope === 'this_device'
          ? 'One of your remembered devices was locked after too many failed sign-in attempts'
          : 'Your account was locked after too many failed sign-in attempts',
      lines:
        scope === 'this_device'
          ? [
              'We locked one of your remembered devices (details below) because of repeated failed attempts to sign in from it with a wrong password.',
              `It unlocks by itself at ${until}. Your other devices are not affected.`,
            ]
          : [
              'We locked your account for new devices because of repeated failed attempts to sign in with a wrong password or code.',
              `It unlocks by itself at ${until}. Devices you asked us to remember still sign in as usual.`,
            ],
    });
  }

  mfaEnabled(to: string): void {
    this.notify(to, {
      template: 'mfa_enabled',
      subject: 'Two-factor authentication was turned on for your account',
      lines: [
        'Signing in now needs a code from your authenticator app as well as your password.',
        'Keep your backup codes somewhere safe: they are how you get in if you lose your phone.',
      ],
    });
  }

  mfaDisabled(to: string, byAdmin: boolean): void {
    this.notify(to, {
      template: 'mfa_disabled',
      subject: byAdmin
        ? 'An administrator turned off two-factor authentication for your account'
        : 'Two-factor authentication was turned off for your account',
      lines: [
        byAdmin
          ? 'An administrator turned off two-factor authentication on your account, usually because you asked for help after losing your authenticator.'
          : 'Two-factor authentication was turned off on your account.',
        byAdmin
          ? 'Signing in now needs only your password, and all your sessions were ended. Turn it back on as soon as you can.'
          : 'Signing in now needs only your password, and your other sessions were ended. Turn it back on as soon as you can.',
      ],
    });
  }

  /** The only notice that names the browser: the user agent is the client's to choose, so it is quoted, cut short. */
  newDevice(to: string): void {
    const userAgent = currentClient()?.userAgent;
    this.notify(to, {
      template: 'new_device',
      subject: 'A new sign-in to your account',
      lines: [
        'Your account was just signed in to from a device or browser we have not seen before (details below).',
        ...(userAgent ? [`Browser or app (as it named itself): "${userAgent.slice(0, 200)}"`] : []),
        'If it was you, there is nothing to do; tick "remember this device" at the second step to skip it there next time.',
      ],
    });
  }

  passkeyRegistered(to: string, name: string, firstFactor: boolean): void {
    this.notify(to, {
      template: 'passkey_registered',
      subject: 'A passkey was added to your account',
      lines: [
        `A passkey named "${name}" was added to your account.`,
        firstFactor
          ? 'Two-factor authentication is now on: signing in needs the passkey (or a backup code) as well as your password. Keep your backup codes somewhere safe.'
          : 'It can now be used as a second factor when you sign in.',
      ],
    });
  }

  passkeyRemoved(to: string, name: string): void {
    this.notify(to, {
      template: 'passkey_removed',
      subject: 'A passkey was removed from your account',
      lines: [`The passkey named "${name}" was removed from your account and no longer signs you in.`],
    });
  }

  backupCodeUsed(to: string, remaining: number): void {
    this.notify(to, {
      template: 'backup_code_used',
      subject: 'A backup code was used on your account',
      lines: [
        'One of your backup codes was just used instead of an authenticator code.',
        remaining === 0
          ? 'You have no backup codes left: generate new ones now.'
          : `You have ${remaining} backup code${remaining === 1 ? '' : 's'} left.`,
      ],
    });
  }

  backupCodesRegenerated(to: string): void {
    this.notify(to, {
      template: 'backup_codes_regenerated',
      subject: 'New backup codes were generated for your account',
      lines: ['A new set of backup codes was generated. The old codes no longer work.'],
    });
  }

  refreshTokenReuse(to: string): void {
    this.notify(to, {
      template: 'refresh_token_reuse',
      subject: 'We signed you out everywhere after a possible token theft',
      lines: [
        'A sign-in token of your account was used twice, which happens when a copy of it was stolen.',
        'We ended all your sessions to be safe; sign in again on your devices.',
      ],
    });
  }

  passwordReset(to: string): void {
    this.notify(to, {
      template: 'password_reset_done',
      subject: 'Your password was reset',
      lines: [
        'The password of your account was reset through a link sent to this address, and all your sessions were ended.',
      ],
    });
  }

  passwordChanged(to: string): void {
    this.notify(to, {
      template: 'password_changed',
      subject: 'Your password was changed',
      lines: ['The password of your account was changed, and your other sessions were ended.'],
    });
  }

  private notify(to: string, notice: Notice): void {
    this.mail.send(
      renderNotice(notice, { to, at: this.clock.now(), client: currentClient(), publicUrl: this.publicUrl }),
    );
  }
}
