/** Fastify's error codes, as the contract's snake_case `code` values. */
const CODES: Record<string, string> = {
  FST_ERR_BAD_URL: 'bad_url',
  FST_ERR_MAX_PARAM_LENGTH: 'uri_too_long',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_content_length',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
};

/** The `code` of a framework-level client error: our own snake_case code, Fastify's mapped, or a default. */
export function frameworkErrorCode(error: Error): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (/^[a-z]+(_[a-z]+)*$/.test(code)) return code;
    if (CODES[code]) return CODES[code];
  }
  return error instanceof SyntaxError ? 'invalid_json' : 'bad_request';
}
