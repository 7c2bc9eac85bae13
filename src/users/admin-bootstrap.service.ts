import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Config } from '../config/configuration';
import { DomainException } from '../common/filters/domain.exception';
import { UserAdminService } from './user-admin.service';
import { UserError, UserException } from './user.exception';

/**
 * ADMIN_EMAIL and ADMIN_PASSWORD create the first admin at boot when there is none. Idempotent, and
 * safe with replicas booting together (one creates it, the others find it). An email that belongs to
 * a non-admin account stops the boot rather than promote whoever registered it.
 */
@Injectable()
export class AdminBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrap.name);

  constructor(
    private readonly admins: UserAdminService,
    private readonly config: ConfigService<Config, true>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { adminEmail, adminPassword } = this.config.get('security', { infer: true });
    if (!adminEmail || !adminPassword || (await this.admins.hasAdmin())) return;
    try {
      const admin = await this.admins.createAdmin(adminEmail, adminPassword, 'bootstrap');
      this.logger.log({ userId: admin.id }, 'Created the admin from ADMIN_EMAIL');
    } catch (error) {
      if (error instanceof UserException && error.code === UserError.EmailTaken && (await this.admins.hasAdmin()))
        return;
      // The email or the password was refused (UserException, PasswordException): say which setting.
      if (error instanceof DomainException) {
        throw new Error(
          error.code === UserError.EmailTaken
            ? 'ADMIN_EMAIL belongs to (or looks like) an account that is not an admin; use another address or promote it by hand'
            : `${error.code === UserError.InvalidEmail ? 'ADMIN_EMAIL' : 'ADMIN_PASSWORD'}: ${error.message}`,
        );
      }
      throw error;
    }
  }
}
