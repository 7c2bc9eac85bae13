import { METHOD_METADATA } from '@nestjs/common/constants';
import {
  ApiExtraModels,
  DECORATORS,
  getSchemaPath,
  HeaderObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../dto/error-response.dto';
import { DomainErrorMapping } from '../filters/domain-error-status';

/** The error statuses the service answers with (a 500 is a bug, never part of the contract). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 410 | 413 | 414 | 415 | 423 | 429 | 503;

/** One way an operation can fail: its status, its `code` (if the answer has one) and when it happens. */
export interface ErrorDoc {
  status: ErrorStatus;
  code?: string;
  description: string;
  /** Fields this answer adds to the error body, e.g. `lockedUntil`. */
  fields?: Record<string, SchemaObject>;
  /** The answer says in `Retry-After` when to try again. */
  retryAfter?: boolean;
}

/** A domain error, with the status its module's table gives the code (the status the filter answers with). */
export function domainError<Code extends string>(
  mapping: DomainErrorMapping<Code>,
  code: Code,
  description: string,
  fields?: Record<string, SchemaObject>,
): ErrorDoc {
  return { status: mapping.status[code] as ErrorStatus, code, description, fields };
}

const RETRY_AFTER: Record<string, HeaderObject> = {
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } },
};

function line(error: ErrorDoc): string {
  return error.code ? `\`${error.code}\`: ${error.description}` : `${error.description} (no \`code\`)`;
}

/**
 * The error body of a response that can carry `errors`: the shared schema, with `code` narrowed to
 * their codes (and required when every one has a code) and the fields they add.
 */
function errorSchema(errors: readonly ErrorDoc[]): SchemaObject | ReferenceObject {
  const base = { $ref: getSchemaPath(ErrorResponseDto) };
  const codes = [...new Set(errors.flatMap((error) => (error.code ? [error.code] : [])))];
  const fields = Object.assign({}, ...errors.map((error) => error.fields ?? {})) as Record<string, SchemaObject>;
  if (codes.length === 0 && Object.keys(fields).length === 0) return base;
  const required = [
    ...(errors.every((error) => error.code) ? ['code'] : []),
    ...Object.keys(fields).filter((name) => errors.every((error) => error.fields?.[name])),
  ];
  const narrowed: SchemaObject = {
    type: 'object',
    properties: { ...(codes.length > 0 ? { code: { type: 'string', enum: codes } } : {}), ...fields },
    ...(required.length > 0 ? { required } : {}),
  };
  return { allOf: [base, narrowed] };
}

/** The OpenAPI response for `errors`, all of one status. */
export function errorResponse(errors: readonly ErrorDoc[]): ResponseObject {
  return {
    description: errors.map(line).join('\n\n'),
    ...(errors.some((error) => error.retryAfter) ? { headers: RETRY_AFTER } : {}),
    content: { 'application/json': { schema: errorSchema(errors) } },
  };
}

const ERRORS_KEY = 'twofold:apiErrors';

function documentMethod(target: object, key: string | symbol, descriptor: PropertyDescriptor, errors: ErrorDoc[]) {
  const handler = descriptor.value as object;
  const known = (Reflect.getMetadata(ERRORS_KEY, handler) as ErrorDoc[] | undefined) ?? [];
  const all = [...known, ...errors.filter((error) => !known.some((seen) => line(seen) === line(error)))];
  Reflect.defineMetadata(ERRORS_KEY, all, handler);
  ApiExtraModels(ErrorResponseDto)(target, key, descriptor);
  // Written whole, status by status, rather than through ApiResponse, which would merge the schema of a
  // response documented earlier (e.g. by @HealthCheck) into this one.
  const responses = { ...(Reflect.getMetadata(DECORATORS.API_RESPONSE, handler) as object | undefined) };
  for (const status of new Set(all.map((error) => error.status))) {
    Object.assign(responses, { [status]: errorResponse(all.filter((error) => error.status === status)) });
  }
  Reflect.defineMetadata(DECORATORS.API_RESPONSE, responses, handler);
}

/**
 * Documents the errors an operation can answer with, in the shared `ErrorResponseDto` shape. Several
 * uses on one operation add up, per status; on a controller it applies to every route of it (a route's
 * own errors of the same status are kept, unlike @nestjs/swagger's class-level responses).
 */
export function ApiErrors(...errors: ErrorDoc[]): MethodDecorator & ClassDecorator {
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (key !== undefined && descriptor) {
      documentMethod(target, key, descriptor, errors);
      return;
    }
    const prototype = (target as { prototype: object }).prototype;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const method = Object.getOwnPropertyDescriptor(prototype, name);
      const handler = method?.value as object | undefined;
      if (method && typeof handler === 'function' && Reflect.hasMetadata(METHOD_METADATA, handler)) {
        documentMethod(prototype, name, method, errors);
      }
    }
  };
}

/** A database outage: every route that reads or writes PostgreSQL can answer it. */
export const DEPENDENCY_UNAVAILABLE: ErrorDoc = {
  status: 503,
  code: 'dependency_unavailable',
  description: 'PostgreSQL is unreachable or did not answer within DATABASE_STATEMENT_TIMEOUT_MS',
  retryAfter: true,
};
