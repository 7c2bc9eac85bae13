/**
 * The second floor of measurement 1: Nest and Fastify by themselves, as a textbook app has them. One
 * controller answers `GET /health/live` with the service's JSON; no hooks, guards, pipes, logger or
 * request context. The service's `/health/live` against it is what the service's own pipeline (security
 * headers, request id, request context, metrics, logging, global guards) costs. Forked by the bench like
 * bare-server.ts; it reports its port and exits when the bench goes away.
 */
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AddressInfo } from 'node:net';

@Controller('health')
class LivenessController {
  @Get('live')
  live(): { status: string } {
    return { status: 'ok' };
  }
}

@Module({ controllers: [LivenessController] })
class FloorModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(FloorModule, new FastifyAdapter(), { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.send?.({ port: (app.getHttpServer().address() as AddressInfo).port });
}

process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
void main();
