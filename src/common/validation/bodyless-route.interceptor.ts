import { BadRequestException, CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
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
 * is tolerated, as many clients send one) is refused with 400 instead of silently ignored. An
 * interceptor, so that it runs after the guards: an anonymous caller still gets 401 first.
 */
@Injectable()
export class BodylessRouteInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http' && !handlerTakesBody(context)) {
      if (!isEmpty(context.switchToHttp().getRequest<{ body?: unknown }>().body)) {
        throw new BadRequestException('This operation takes no request body');
      }
    }
    return next.handle();
  }
}
