import { Module } from '@nestjs/common';
import { PasswordExpiry } from './password-expiry';
import { PasswordHasher } from './password-hasher.service';
import { PasswordHistoryRepository } from './password-history.repository';
import { PasswordPolicy } from './password-policy.service';

/**
 * Passwords as values: bcrypt behind the bounded queue, the policy (length, common passwords, the email)
 * and the history of earlier hashes. No account state: that is the Users module's.
 */
@Module({
  providers: [PasswordHasher, PasswordPolicy, PasswordExpiry, PasswordHistoryRepository],
  exports: [PasswordHasher, PasswordPolicy, PasswordExpiry, PasswordHistoryRepository],
})
export class PasswordsModule {}
