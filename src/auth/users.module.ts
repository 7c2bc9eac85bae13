import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { SessionCoreModule } from '../session/session-core.module';
import { PasswordHashingModule } from './password-hashing.module';
import { PasswordPolicy } from './password-policy.service';
import { UserAdminService } from './user-admin.service';
import { UserEntity } from './user.entity';
import { UserRepository } from './user.repository';

/**
 * Accounts: the user table, the password policy and support work on accounts (admin API and CLI). No
 * routes and no admin bootstrap: the CLI boots this without the service around it.
 */
@Module({
  imports: [TypeOrmModule.forFeature([UserEntity]), SessionCoreModule, AuditModule, PasswordHashingModule],
  providers: [UserRepository, PasswordPolicy, UserAdminService],
  exports: [UserRepository, PasswordPolicy, UserAdminService],
})
export class UsersModule {}
