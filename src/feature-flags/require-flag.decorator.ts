import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { FlagKey } from './flags';

/** Metadata under which `@RequireFlag` names the route's flag; the global AuthorizationGuard reads it. */
export const REQUIRED_FLAG_KEY = 'requiredFlag';

/**
 * The route exists only while the flag is on: otherwise 404, as if it weren't there. For a signed-in
 * caller the flag's full targeting decides; for an anonymous one (a public route) its switch, and the
 * service applies the targeting once it knows the account (magic links target by the email's account).
 */
export const RequireFlag = (key: FlagKey): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(REQUIRED_FLAG_KEY, key),
    ApiErrors({ status: 404, description: `Not available: feature flag \`${key}\` is off` }),
  );
