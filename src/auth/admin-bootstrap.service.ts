import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Config } from '../config/configuration';
import { AuthError, AuthException } from './auth.exception';
import { UserAdminService } from './user-admin.service';

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
      if (error instanceof AuthException && error.code === AuthError.EmailTaken && (await this.admins.hasAdmin()))
        return;
      if (error instanceof AuthException) {
        throw new Error(
          error.code === AuthError.EmailTaken
            ? 'ADMIN_EMAIL belongs to (or looks like) an account that is not an admin; use another address or promote it by hand'
            : `${error.code === AuthError.InvalidEmail ? 'ADMIN_EMAIL' : 'ADMIN_PASSWORD'}: ${error.message}`,
        );
      }
      throw error;
    }
  }
}
