// The project's error catalogue. Every error a client can see has a stable
// machine-readable code, an HTTP status and, where one field is at fault, its
// dotted path. It lives here, in the lowest room that speaks HTTP, so the
// registry and the gateway share it (the gateway imports it; never the reverse).
// What a person reads has, beside the English `message`, a `code` and `params`
// from the message catalogue (messages.ts) that the wall says in zh-CN or en:
// on each field error, and on the body as `messageCode` / `messageParams`.
import { say, type Params } from './messages.ts';

export interface FieldError {
  field: string;
  message: string;
  /** The message's code in the catalogue (messages.ts), e.g. `required`, `max`, `not_rtsp_url`. */
  code?: string;
  params?: Params;
}

export const ErrorCodes = {
  GW_ERR_VALIDATION: 400,
  GW_ERR_BAD_ENCODING: 400,
  GW_ERR_BAD_CSV: 400,
  GW_ERR_UNAUTHENTICATED: 401,
  GW_ERR_FORBIDDEN: 403,
  /** A write made with the session cookie without the session's x-csrf-token. */
  GW_ERR_CSRF: 403,
  /** The signed-in person must change their password (POST /api/auth/password) before anything else. */
  GW_ERR_PASSWORD_CHANGE_REQUIRED: 403,
  GW_ERR_NOT_FOUND: 404,
  GW_ERR_CONFLICT: 409,
  GW_ERR_STALE_VERSION: 409,
  GW_ERR_IN_USE: 409,
  GW_ERR_ILLEGAL_TRANSITION: 409,
  GW_ERR_CLAIMED: 409,
  GW_ERR_DEVICE_OFFLINE: 409,
  /** The device cannot do what is asked (a camera without PTZ, a cruise on an ONVIF camera). */
  GW_ERR_NOT_SUPPORTED: 409,
  GW_ERR_DEVICE_REFUSED: 502,
  /** A device refused the credentials the request gave it (an ONVIF camera being added): the request's fault, named by field. */
  GW_ERR_DEVICE_CREDENTIALS: 422,
  /** Nothing answers at the address the request gave (an ONVIF camera being added): the request's field is at fault. */
  GW_ERR_DEVICE_UNREACHABLE: 422,
  GW_ERR_DEVICE_TIMEOUT: 504,
  GW_ERR_REQUEST_TIMEOUT: 408,
  GW_ERR_BODY_TOO_LARGE: 413,
  GW_ERR_HEADERS_TOO_LARGE: 431,
  GW_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  GW_ERR_IMPORT_REJECTED: 422,
  /** A costly request asked for too often (a camera connection test). */
  GW_ERR_TOO_MANY_REQUESTS: 429,
  GW_ERR_UNAVAILABLE: 503,
  /** Another gateway node that should answer (the owner of a channel's media) does not. */
  GW_ERR_OWNER_UNREACHABLE: 502,
  /** A request forwarded between nodes reached one that does not own the channel either. */
  GW_ERR_PROXY_LOOP: 508,
  GW_ERR_INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export class GwError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly details?: { errors?: FieldError[]; [key: string]: unknown },
  ) {
    super(message);
    this.name = 'GwError';
    this.statusCode = ErrorCodes[code];
  }

  toBody(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}), ...this.details };
  }
}

/** The body fields that let a client say a coded message in its own language. */
const messageFields = (m: { code?: string; params?: Params }) =>
  m.code ? { messageCode: m.code, ...(m.params ? { messageParams: m.params } : {}) } : {};

/** An error whose message is one of the catalogue's (`say(...)`), with its code and params in the body. */
export const coded = (code: ErrorCode, m: { code: string; params?: Params; message: string }, field?: string): GwError =>
  new GwError(code, m.message, field, messageFields(m));

export const invalid = (errors: FieldError[]): GwError => {
  const first = errors[0] ?? { field: '', message: 'invalid input' };
  return new GwError('GW_ERR_VALIDATION', `${first.field ? `${first.field}: ` : ''}${first.message}`, first.field || undefined, { ...messageFields(first), errors });
};

export const notFound = (entity: string, id: string, field = 'id'): GwError =>
  coded('GW_ERR_NOT_FOUND', say('not_found', { entity, id }), field);
