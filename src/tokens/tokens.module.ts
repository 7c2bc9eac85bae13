import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { JwksController } from './jwks.controller';
import { SigningKeys } from './signing-keys';
import { TokenService } from './token.service';

/**
 * Signed tokens: access and MFA JWTs, their signing keys and the JWKS. `/.well-known/jwks.json` sits at
 * the root, outside the /api/v1 prefix, by convention.
 */
@Module({
  imports: [JwtModule.register({})],
  controllers: [JwksController],
  providers: [SigningKeys, TokenService],
  exports: [TokenService, SigningKeys],
})
export class TokensModule {}
