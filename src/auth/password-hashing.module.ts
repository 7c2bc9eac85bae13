import { Module } from '@nestjs/common';
import { PasswordHasher } from './password-hasher.service';

/** bcrypt behind the bounded queue, shared by sign-in (Auth) and sensitive 2FA changes (Mfa). */
@Module({
  providers: [PasswordHasher],
  exports: [PasswordHasher],
})
export class PasswordHashingModule {}
