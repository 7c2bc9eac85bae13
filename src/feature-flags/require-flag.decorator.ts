import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiNotFoundResponse } from '@nestjs/swagger';
import { FlagKey } from './flags';
import { REQUIRED_FLAG_KEY, RequireFlagGuard } from './require-flag.guard';

/**
 * The route exists only while the flag is on for the caller; otherwise it answers 404, as if it weren't
 * there. A route guard, so it runs after the global guard has established who is calling: signed-in
 * callers get the full targeting, anonymous ones see the flag only when it is on for 100%.
 */
export const RequireFlag = (key: FlagKey): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(REQUIRED_FLAG_KEY, key),
    UseGuards(RequireFlagGuard),
    ApiNotFoundResponse({ description: `Not available: feature flag \`${key}\` is off for this caller` }),
  );
