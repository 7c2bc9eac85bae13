import { Controller, Get, Header, NotFoundException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { Public } from '../common/decorators/public.decorator';
import { JwksResponseDto } from './dto/jwks-response.dto';
import { SigningKeys } from './signing-keys';

@ApiTags('auth')
@Public()
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: SigningKeys) {}

  /** The public key that verifies access tokens, when they are signed with ES256 (JWT_PRIVATE_KEY). */
  @ApiOperation({ summary: 'JSON Web Key Set for verifying access tokens' })
  @ApiErrors({ status: 404, description: 'Tokens are signed with a shared secret (HS256): there is no public key' })
  @Header('cache-control', 'public, max-age=300')
  @Get('jwks.json')
  jwks(): JwksResponseDto {
    if (!this.keys.publicJwk) throw new NotFoundException('No asymmetric signing key is configured');
    return { keys: [this.keys.publicJwk] };
  }
}
