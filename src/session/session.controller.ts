import { Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../common/auth/auth-user';
import { ApiErrors, domainError } from '../common/decorators/api-errors.decorator';
import { Authenticated, CurrentUser } from '../common/decorators/auth.decorators';
import { describeSession } from './dto/session-view.dto';
import { SessionResponseDto } from './dto/session-response.dto';
import { SessionTimesResponseDto } from './dto/session-times-response.dto';
import { CURRENT_SESSION_GONE } from './session-api-errors';
import { SESSION_ERRORS, SessionError } from './session.exception';
import { SessionService } from './session.service';

@ApiTags('sessions')
@Authenticated()
@Controller('sessions')
export class SessionController {
  constructor(private readonly sessions: SessionService) {}

  /** The caller's active sessions, newest first. */
  @ApiOperation({ summary: 'List my active sessions' })
  @Get()
  async list(@CurrentUser() user: AuthUser): Promise<SessionResponseDto[]> {
    const sessions = await this.sessions.listActive(user.userId);
    return sessions.map((session) => ({ ...describeSession(session), current: session.id === user.sessionId }));
  }

  /** Expiry times of the current session, for a client's timeout warning. */
  @ApiOperation({ summary: 'Current session timeouts' })
  @ApiErrors(CURRENT_SESSION_GONE)
  @Get('current')
  current(@CurrentUser() user: AuthUser): Promise<SessionTimesResponseDto> {
    return this.sessions.times(user.sessionId);
  }

  /** Restarts the idle timer (never past the absolute limit). */
  @ApiOperation({ summary: 'Extend the current session' })
  @ApiErrors(CURRENT_SESSION_GONE)
  @Post('current/extend')
  @HttpCode(HttpStatus.OK)
  extend(@CurrentUser() user: AuthUser): Promise<SessionTimesResponseDto> {
    return this.sessions.extend(user.sessionId);
  }

  /** Ends one of the caller's sessions; another user's session id answers 404. */
  @ApiOperation({ summary: 'End one of my sessions' })
  @ApiNoContentResponse({ description: 'Session ended' })
  @ApiErrors(domainError(SESSION_ERRORS, SessionError.NotFound, 'No such active session of yours'))
  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  async revoke(@CurrentUser() user: AuthUser, @Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    await this.sessions.revokeOwn(user.userId, id);
  }

  /** Ends every session of the caller except the current one. */
  @ApiOperation({ summary: 'End all my other sessions' })
  @ApiNoContentResponse({ description: 'Other sessions ended' })
  @Delete()
  @HttpCode(HttpStatus.NO_CONTENT)
  async revokeOthers(@CurrentUser() user: AuthUser): Promise<void> {
    await this.sessions.revokeAllForUser(user.userId, 'user_revoked', { keepId: user.sessionId });
  }
}
