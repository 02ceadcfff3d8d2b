// Errors of the SIP library. Each has a stable `code`; a parse error also
// carries the SIP status a server would answer with (400, or 513 when too large).
import type { SipMessage } from './message.ts';

export type SipParseCode = 'SIP_ERR_PARSE' | 'SIP_ERR_TOO_LARGE';

export class SipParseError extends Error {
  override readonly name = 'SipParseError';
  readonly code: SipParseCode;
  /**
   * Start line and headers, when they parsed before the failure (e.g. a bad
   * Content-Length): enough for a server to answer 400 to a request.
   */
  partial?: SipMessage;

  constructor(
    readonly reason: string,
    readonly status = 400,
  ) {
    super(reason);
    this.code = status === 513 ? 'SIP_ERR_TOO_LARGE' : 'SIP_ERR_PARSE';
  }
}

export type SipErrorCode =
  | 'SIP_ERR_BUILD' // a message cannot be written (e.g. CR/LF inside a header value)
  | 'SIP_ERR_ADDR_IN_USE'
  | 'SIP_ERR_LISTEN'
  | 'SIP_ERR_SEND'
  | 'SIP_ERR_TOO_LARGE'
  | 'SIP_ERR_CLOSED'
  | 'SIP_ERR_TIMEOUT'
  | 'SIP_ERR_ABORTED';

/** Everything that is not a parse failure: building, transport, transactions. */
export class SipError extends Error {
  override readonly name = 'SipError';

  constructor(
    readonly code: SipErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
