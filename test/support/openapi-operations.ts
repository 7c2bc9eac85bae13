/** The parts of an OpenAPI 3 schema the fuzz test reads to build well-formed values it then breaks. */
export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  pattern?: string;
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

interface RawOperation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema?: Schema }> };
  security?: unknown[];
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, RawOperation>>;
  components?: { schemas?: Record<string, Schema> };
}

/** One operation of the document, with its body schema resolved. */
export interface Operation {
  method: string;
  /** The templated path, e.g. `/api/v1/admin/users/{id}`. */
  path: string;
  pathParams: string[];
  queryParams: Parameter[];
  /** The JSON body's schema; undefined for routes that take no body. */
  body: Schema | undefined;
  /** True when the route needs an access token (the document lists a security requirement). */
  secured: boolean;
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch']);

function resolve(schema: Schema | undefined, document: OpenApiDocument): Schema | undefined {
  if (!schema?.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  return resolve(document.components?.schemas?.[name], document);
}

/** Resolves a schema and its nested properties/items (the DTOs here are a few levels deep at most). */
export function resolveDeep(schema: Schema | undefined, document: OpenApiDocument, depth = 0): Schema | undefined {
  const resolved = resolve(schema, document);
  if (!resolved || depth > 5) return resolved;
  const properties = resolved.properties
    ? Object.fromEntries(
        Object.entries(resolved.properties).map(([name, value]) => [
          name,
          resolveDeep(value, document, depth + 1) ?? {},
        ]),
      )
    : undefined;
  return { ...resolved, properties, items: resolveDeep(resolved.items, document, depth + 1) };
}

/** Every operation the document describes, in document order. */
export function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([method]) => METHODS.has(method))
      .map(([method, operation]) => {
        const parameters = operation.parameters ?? [];
        return {
          method: method.toUpperCase(),
          path,
          pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
          queryParams: parameters.filter((p) => p.in === 'query'),
          body: resolveDeep(operation.requestBody?.content['application/json']?.schema, document),
          secured: (operation.security ?? []).length > 0,
        };
      }),
  );
}
