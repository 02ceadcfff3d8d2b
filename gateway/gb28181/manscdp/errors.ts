// One error class for everything this library rejects: hostile or broken XML,
// MANSCDP messages missing what the standard requires, bad PTZ commands and
// out-of-range PTZ input. `field` names the XML element or input property at
// fault so callers can answer a 400 (HTTP) or a 400 Bad Request (SIP) with it.

export type ManscdpErrorCode =
  | 'MANSCDP_TOO_LARGE' // body over MAX_BODY_BYTES
  | 'MANSCDP_FORBIDDEN' // DOCTYPE, ENTITY, processing instructions
  | 'MANSCDP_TOO_DEEP' // nesting over MAX_DEPTH
  | 'MANSCDP_MALFORMED' // not well-formed XML
  | 'MANSCDP_BAD_ROOT' // root is not Notify / Query / Control / Response
  | 'MANSCDP_MISSING_FIELD'
  | 'MANSCDP_BAD_VALUE'
  | 'MANSCDP_WRONG_TYPE' // a typed decoder was given another CmdType or root
  | 'PTZ_BAD_COMMAND' // PTZCmd not 16 hex chars or bad header
  | 'PTZ_BAD_CHECKSUM'
  | 'PTZ_UNSUPPORTED' // a valid PTZCmd that is not a pan/tilt/zoom motion (preset, focus…)
  | 'PTZ_BAD_INPUT'; // encodePtzCmd / validatePtzMove input: a field missing its range or enum

export class ManscdpError extends Error {
  constructor(
    readonly code: ManscdpErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ManscdpError';
  }
}
