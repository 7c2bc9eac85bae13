import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { SecurityConfig } from '../../config/security.config';
import { AuthUser, Role, Scope } from '../auth/auth-user';
import { ApiErrors, DEPENDENCY_UNAVAILABLE } from './api-errors.decorator';

export const ALLOWED_SCOPES_KEY = 'allowedScopes';
export const ROLES_KEY = 'roles';

/**
 * Lets tokens of a restricted scope reach this route as well as `full` ones
 * (password change, `/auth/me` and logout accept `password_change` and `mfa_enrollment`).
 */
export const AllowScope = (...scopes: Scope[]): MethodDecorator & ClassDecorator =>
  SetMetadata(ALLOWED_SCOPES_KEY, ['full', ...scopes]);

/** The caller must hold one of these roles. */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES_KEY, roles);

export const REQUIRE_AAL2_KEY = 'requireAal2';

/** The boolean security settings that can switch an `aal2` requirement off. */
export type Aal2Setting = keyof Pick<SecurityConfig, 'adminRequireMfa'>;

/**
 * The session must have passed a second factor (`aal2`) while `setting` is on. The guard reads the
 * setting at request time.
 */
export const RequireAal2 = (setting: Aal2Setting): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRE_AAL2_KEY, setting);

/** An admin route: role `admin`, and an `aal2` session unless ADMIN_REQUIRE_MFA=false. */
export const AdminOnly = (): ClassDecorator & MethodDecorator =>
  applyDecorators(Roles('admin'), RequireAal2('adminRequireMfa'), Authenticated());

/**
 * Swagger security and the errors every authenticated route shares: the guards' 401 and 403, and the 503
 * of the session check when the database is down.
 */
export const Authenticated = (): MethodDecorator & ClassDecorator =>
  applyDecorators(
    ApiBearerAuth('bearer'),
    ApiCookieAuth('cookie'),
    ApiErrors(
      { status: 401, description: 'Missing, invalid or expired access token, or its session ended' },
      {
        status: 403,
        description:
          "The token's scope, the caller's role or the session's assurance level does not open this route, or a " +
          'cookie-authenticated request lacks the matching `X-CSRF-Token` header',
      },
      DEPENDENCY_UNAVAILABLE,
    ),
  );

/** The authenticated caller, set by the global guard. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): AuthUser => {
  const request = context.switchToHttp().getRequest<FastifyRequest & { user: AuthUser }>();
  return request.user;
});
