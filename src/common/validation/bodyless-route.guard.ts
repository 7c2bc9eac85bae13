import { BadRequestException, CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';

const takesBody = new WeakMap<object, boolean>();

function handlerTakesBody(context: ExecutionContext): boolean {
  const handler = context.getHandler();
  let known = takesBody.get(handler);
  if (known === undefined) {
    const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {}) as object;
    known = Object.keys(args).some((key) => key.startsWith(`${RouteParamtypes.BODY}:`));
    takesBody.set(handler, known);
  }
  return known;
}

function isEmpty(body: unknown): boolean {
  if (body === undefined || body === null) return true;
  return typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0;
}

/**
 * Routes whose handler declares no `@Body()` take none: a body with anything in it (an empty JSON object
 * is tolerated, as many clients send one) is refused with 400 instead of silently ignored. The last global
 * guard, so that an anonymous caller still gets 401 first; route-level guards (a per-user rate limit, a
 * recent sign-in) run after it, so such a request is refused before they count it. A guard rather than an
 * interceptor: one global interceptor puts every request of every route through an RxJS pipeline (a tenth
 * of the CPU of a cheap request), and Nest builds none while there is no interceptor.
 */
@Injectable()
export class BodylessRouteGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() === 'http' && !handlerTakesBody(context)) {
      if (!isEmpty(context.switchToHttp().getRequest<{ body?: unknown }>().body)) {
        throw new BadRequestException('This operation takes no request body');
      }
    }
    return true;
  }
}
