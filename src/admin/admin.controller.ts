import { Body, Controller, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../common/auth/auth-user';
import { ApiErrors, domainError } from '../common/decorators/api-errors.decorator';
import { AdminOnly, CurrentUser } from '../common/decorators/auth.decorators';
import { AuditService } from '../audit/audit.service';
import { UserAdminService } from '../users/user-admin.service';
import { FeatureFlagDto } from '../feature-flags/dto/feature-flag.dto';
import { UpdateFeatureFlagDto } from '../feature-flags/dto/update-feature-flag.dto';
import { FeatureFlagService } from '../feature-flags/feature-flag.service';
import { MfaDisabling } from '../mfa/mfa-disabling.service';
import { TrustedDevices } from '../devices/trusted-devices.service';
import { AdminStatsService } from './admin-stats.service';
import { AdminReasonDto, AuditQueryDto, UserSearchQueryDto } from './dto/admin-requests.dto';
import { AdminStatsDto, AuditPageDto, AuditVerifyDto } from './dto/admin-responses.dto';
import { AdminUserDetailDto, AdminUserPageDto } from '../users/dto/admin-user.dto';
import { FEATURE_FLAG_ERRORS, FeatureFlagError } from '../feature-flags/feature-flag.exception';
import { MFA_NOT_ENABLED } from '../mfa/mfa-api-errors';
import { MFA_ERRORS, MfaError } from '../mfa/mfa.exception';
import { USER_ERRORS, UserError } from '../users/user.exception';

const USER_NOT_FOUND = domainError(USER_ERRORS, UserError.UserNotFound, 'No such user');
const flagError = (code: FeatureFlagError, description: string) => domainError(FEATURE_FLAG_ERRORS, code, description);

const uuid = new ParseUUIDPipe({ version: '4' });

/**
 * Support and operations. Every route needs role `admin` and, unless ADMIN_REQUIRE_MFA=false, an `aal2`
 * session; every action is audited with the admin as actor. No logic of its own: it calls the services.
 */
@ApiTags('admin')
@AdminOnly()
@Controller('admin')
export class AdminController {
  constructor(
    private readonly users: UserAdminService,
    private readonly mfa: MfaDisabling,
    private readonly audit: AuditService,
    private readonly flags: FeatureFlagService,
    private readonly stats: AdminStatsService,
    private readonly devices: TrustedDevices,
  ) {}

  /** Accounts by email or display name, oldest first, a page at a time. */
  @ApiOperation({ summary: 'Search users' })
  @ApiOkResponse({ type: AdminUserPageDto })
  @ApiErrors(domainError(USER_ERRORS, UserError.InvalidCursor, '`cursor` is not one this search gave'))
  @Get('users')
  searchUsers(@Query() query: UserSearchQueryDto): Promise<AdminUserPageDto> {
    return this.users.search(query.query, query.cursor, query.limit ?? 20);
  }

  /** Lock state, failures, 2FA, sessions and last login; never a hash or secret. */
  @ApiOperation({ summary: 'One user, for support' })
  @ApiOkResponse({ type: AdminUserDetailDto })
  @ApiErrors(USER_NOT_FOUND)
  @Get('users/:id')
  async user(@Param('id', uuid) id: string, @CurrentUser() admin: AuthUser): Promise<AdminUserDetailDto> {
    const detail = await this.users.detail(id, admin.userId);
    return { ...detail, devices: await this.devices.list(id) };
  }

  /**
   * Ends a lockout and clears the failure count, e.g. for a user locked out by someone guessing: the
   * account's (new devices) and each remembered device's.
   */
  @ApiOperation({ summary: 'Unlock a locked account' })
  @ApiNoContentResponse({ description: 'Unlocked; the failure count starts again' })
  @ApiErrors(USER_NOT_FOUND)
  @Post('users/:id/unlock')
  @HttpCode(HttpStatus.NO_CONTENT)
  async unlock(@Param('id', uuid) id: string, @CurrentUser() admin: AuthUser): Promise<void> {
    await this.users.unlock(id, admin.userId);
  }

  /**
   * For a user who lost their authenticator and backup codes, after checking their identity out of
   * band: 2FA off, every session ended, the user mailed, the reason audited.
   */
  @ApiOperation({ summary: "Turn off a user's 2FA" })
  @ApiNoContentResponse({ description: '2FA off; the user was notified and signed out everywhere' })
  @ApiErrors(
    domainError(MFA_ERRORS, MfaError.ReasonRequired, 'The reason is empty or too long'),
    domainError(MFA_ERRORS, MfaError.UserNotFound, 'No such user'),
    { ...MFA_NOT_ENABLED, description: 'Two-factor authentication is off for this user' },
  )
  @Post('users/:id/2fa/disable')
  @HttpCode(HttpStatus.NO_CONTENT)
  async disableMfa(
    @Param('id', uuid) id: string,
    @Body() dto: AdminReasonDto,
    @CurrentUser() admin: AuthUser,
  ): Promise<void> {
    await this.mfa.disableFor(id, admin.userId, dto.reason);
  }

  /** Ends every session of the user; the next login answers `password_change_required`. */
  @ApiOperation({ summary: 'Make a user change their password at the next login' })
  @ApiNoContentResponse({ description: 'Sessions ended; the next login gets a password_change token' })
  @ApiErrors(USER_NOT_FOUND)
  @Post('users/:id/force-password-change')
  @HttpCode(HttpStatus.NO_CONTENT)
  async forcePasswordChange(@Param('id', uuid) id: string, @CurrentUser() admin: AuthUser): Promise<void> {
    await this.users.forcePasswordChange(id, admin.userId);
  }

  /** Ends every session of the user and their refresh tokens, e.g. when a token may have been stolen. */
  @ApiOperation({ summary: "End all of a user's sessions" })
  @ApiNoContentResponse({ description: 'Every session of the user ended' })
  @ApiErrors(USER_NOT_FOUND)
  @Post('users/:id/sessions/revoke')
  @HttpCode(HttpStatus.NO_CONTENT)
  async revokeSessions(@Param('id', uuid) id: string, @CurrentUser() admin: AuthUser): Promise<void> {
    await this.users.revokeSessions(id, admin.userId);
  }

  /** Newest first, filtered by user, type and time. */
  @ApiOperation({ summary: 'Read the audit trail' })
  @ApiOkResponse({ type: AuditPageDto })
  @Get('audit')
  auditEvents(@Query() query: AuditQueryDto): Promise<AuditPageDto> {
    return this.audit.query({
      userId: query.userId,
      type: query.type,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      before: query.cursor,
      limit: query.limit ?? 50,
    });
  }

  /** Walks the hash chain and names the first row that doesn't hold. */
  @ApiOperation({ summary: 'Verify the audit hash chain' })
  @ApiOkResponse({ type: AuditVerifyDto })
  @Get('audit/verify')
  verifyAudit(): Promise<AuditVerifyDto> {
    return this.audit.verifyChain();
  }

  /** Every flag the code knows, with its stored state or its default. */
  @ApiOperation({ summary: 'List feature flags' })
  @ApiOkResponse({ type: FeatureFlagDto, isArray: true })
  @Get('feature-flags')
  featureFlags(): Promise<FeatureFlagDto[]> {
    return this.flags.list();
  }

  /** Omitted fields keep their values; the change is audited with the state before and after. */
  @ApiOperation({ summary: 'Change a feature flag' })
  @ApiOkResponse({ type: FeatureFlagDto })
  @ApiErrors(
    flagError(FeatureFlagError.InvalidEnabled, '`enabled` is not a boolean'),
    flagError(FeatureFlagError.InvalidRolloutPercent, '`rolloutPercent` is not a whole number from 0 to 100'),
    flagError(FeatureFlagError.UnknownRole, '`roles` holds an unknown role'),
    flagError(FeatureFlagError.InvalidEmail, '`allowEmails` holds an invalid email address'),
    flagError(FeatureFlagError.TooManyEmails, '`allowEmails` holds too many addresses'),
    flagError(FeatureFlagError.UnknownFlag, 'No such flag'),
  )
  @Put('feature-flags/:key')
  updateFeatureFlag(
    @Param('key') key: string,
    @Body() dto: UpdateFeatureFlagDto,
    @CurrentUser() admin: AuthUser,
  ): Promise<FeatureFlagDto> {
    return this.flags.update(key, dto, admin.userId);
  }

  /** Users, 2FA adoption, locked accounts, backup codes used and failed logins in the last 24 hours, active sessions. */
  @ApiOperation({ summary: 'Adoption and security figures' })
  @ApiOkResponse({ type: AdminStatsDto })
  @Get('stats')
  statistics(): Promise<AdminStatsDto> {
    return this.stats.collect();
  }
}
