import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SessionEntity } from './session.entity';
import { SessionController } from './session.controller';
import { SessionExceptionFilter } from './session.exception';
import { SessionRepository } from './session.repository';
import { SessionService } from './session.service';

@Module({
  imports: [TypeOrmModule.forFeature([SessionEntity])],
  controllers: [SessionController],
  providers: [SessionRepository, SessionService, { provide: APP_FILTER, useClass: SessionExceptionFilter }],
  exports: [SessionService],
})
export class SessionModule {}
