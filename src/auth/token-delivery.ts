import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { FastifyReply } from 'fastify';
import { Config } from '../config/configuration';
import { clearAuthCookies, setAuthCookies, setDeviceCookie } from './auth-cookies';
import { LoginResponseDto } from './dto/login-response.dto';

/** How a sign-in's tokens leave: in the body, or (cookie mode) as cookies with the body keeping the rest. */
@Injectable()
export class TokenDelivery {
  constructor(private readonly config: ConfigService<Config, true>) {}

  deliver(result: LoginResponseDto, asCookies: boolean, reply: FastifyReply): LoginResponseDto {
    const { accessToken, refreshToken, deviceToken, ...rest } = result;
    if (!asCookies || !accessToken || !refreshToken) return result;
    const refreshMaxAge = Math.floor(this.config.get('jwt.refreshTtlMs', { infer: true }) / 1000);
    const security = this.config.get('security', { infer: true });
    setAuthCookies(reply, { accessToken, refreshToken, expiresIn: result.expiresIn }, refreshMaxAge, security);
    if (deviceToken) setDeviceCookie(reply, deviceToken, security.trustedDeviceDays * 86_400, security);
    return rest;
  }

  /** Logout: the cookies go too. */
  clear(reply: FastifyReply): void {
    clearAuthCookies(reply, this.config.get('security', { infer: true }));
  }
}
