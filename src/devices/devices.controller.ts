import { Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../common/auth/auth-user';
import { ApiErrors, domainError } from '../common/decorators/api-errors.decorator';
import { Authenticated, CurrentUser } from '../common/decorators/auth.decorators';
import { DeviceDto } from './dto/device.dto';
import { DEVICE_ERRORS, DeviceError } from './device.exception';
import { TrustedDevices } from './trusted-devices.service';

/** The caller's remembered devices: the browsers that skip the second factor. */
@ApiTags('devices')
@Authenticated()
@Controller('devices')
export class DevicesController {
  constructor(private readonly devices: TrustedDevices) {}

  /** The caller's active remembered devices, newest first. */
  @ApiOperation({ summary: 'List my remembered devices' })
  @ApiOkResponse({ type: [DeviceDto] })
  @Get()
  list(@CurrentUser() user: AuthUser): Promise<DeviceDto[]> {
    return this.devices.list(user.userId, user.sessionId);
  }

  /** Forgets one device: its next sign-in asks for the second factor again. */
  @ApiOperation({ summary: 'Forget a remembered device' })
  @ApiNoContentResponse({ description: 'Forgotten' })
  @ApiErrors(domainError(DEVICE_ERRORS, DeviceError.DeviceNotFound, 'No active device with this id among your own'))
  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  async endOne(
    @CurrentUser() user: AuthUser,
    @Param('id', new ParseUUIDPipe({ version: '4' })) id: string,
  ): Promise<void> {
    await this.devices.endOne(user.userId, id);
  }

  /** Forgets every device of the caller. */
  @ApiOperation({ summary: 'Forget all my remembered devices' })
  @ApiNoContentResponse({ description: 'All forgotten' })
  @Delete()
  @HttpCode(HttpStatus.NO_CONTENT)
  async endAll(@CurrentUser() user: AuthUser): Promise<void> {
    await this.devices.endAll(user.userId, 'user');
  }
}
