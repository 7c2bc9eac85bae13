import { CanActivate, Controller, ExecutionContext, Get, Injectable, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { FastifyRequest } from 'fastify';
import type { AuthUser } from '../common/auth/auth-user';
import { FeatureFlagService } from './feature-flag.service';
import { FlagSubject } from './flag-evaluation';
import { FlagKey } from './flags';
import { RequireFlag } from './require-flag.decorator';
import { RequireFlagGuard } from './require-flag.guard';

/** Stands in for the global access-token guard: an `x-user` header makes the caller that user. */
@Injectable()
class FakeAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>();
    const id = request.headers['x-user'];
    if (typeof id === 'string') {
      request.user = { userId: id, sessionId: 's1', aal: 'aal1', amr: ['pwd'], scope: 'full', roles: ['admin'] };
    }
    return true;
  }
}

@Controller('probe')
class ProbeController {
  @RequireFlag('passwordless_auth')
  @Get('flagged')
  flagged(): { ok: true } {
    return { ok: true };
  }

  @Get('open')
  open(): { ok: true } {
    return { ok: true };
  }
}

describe('RequireFlagGuard', () => {
  let app: NestFastifyApplication;
  let baseUrl: string;
  const isEnabled = jest.fn<Promise<boolean>, [FlagKey, FlagSubject?]>();

  beforeAll(async () => {
    @Module({
      controllers: [ProbeController],
      providers: [
        { provide: FeatureFlagService, useValue: { isEnabled } },
        RequireFlagGuard,
        { provide: APP_GUARD, useClass: FakeAuthGuard },
      ],
    })
    class ProbeModule {}

    const moduleRef = await Test.createTestingModule({ imports: [ProbeModule] }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await app.close();
  });

  beforeEach(() => isEnabled.mockReset());

  it('answers 404 Not found while the flag is off for the caller', async () => {
    isEnabled.mockResolvedValue(false);
    const res = await fetch(`${baseUrl}/probe/flagged`, { headers: { 'x-user': 'u-1' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual(expect.objectContaining({ statusCode: 404, message: 'Not found' }));
  });

  it('lets the request through while the flag is on', async () => {
    isEnabled.mockResolvedValue(true);
    const res = await fetch(`${baseUrl}/probe/flagged`, { headers: { 'x-user': 'u-1' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('evaluates the flag for the signed-in caller set by the global guard', async () => {
    isEnabled.mockResolvedValue(true);
    await fetch(`${baseUrl}/probe/flagged`, { headers: { 'x-user': 'u-42' } });
    expect(isEnabled).toHaveBeenCalledWith('passwordless_auth', { id: 'u-42', roles: ['admin'] });
  });

  it('evaluates the flag with no subject for an anonymous caller', async () => {
    isEnabled.mockResolvedValue(false);
    expect((await fetch(`${baseUrl}/probe/flagged`)).status).toBe(404);
    expect(isEnabled).toHaveBeenCalledWith('passwordless_auth', undefined);
  });

  it('leaves routes without @RequireFlag alone', async () => {
    expect((await fetch(`${baseUrl}/probe/open`)).status).toBe(200);
    expect(isEnabled).not.toHaveBeenCalled();
  });
});
