import { Module } from '@nestjs/common';
import { JwksController } from './jwks.controller';
import { SigningKeys } from './signing-keys';

/** Outside the /api/v1 prefix: `/.well-known/jwks.json` sits at the root by convention. */
@Module({
  controllers: [JwksController],
  providers: [SigningKeys],
  exports: [SigningKeys],
})
export class JwksModule {}
