// Public entry of the SIP library (RFC 3261 subset for GB/T 28181). Node builtins only;
// nothing here imports the rest of the gateway.
export { SipError, SipParseError } from './errors.ts';
export type { SipErrorCode, SipParseCode } from './errors.ts';
export { SipHeaders, canonicalName, splitHeaderList } from './headers.ts';
export type { HeaderInit } from './headers.ts';
export { describeSip, findHeaderEnd, parseSipMessage, serializeSip } from './message.ts';
export type { ParseOptions, SipMessage, SipRequest, SipResponse } from './message.ts';
export {
  BRANCH_COOKIE, formatCSeq, formatNameAddr, formatParams, formatSubject, formatUri, formatVia, newBranch, newCallId,
  newTag, parseCSeq, parseNameAddr, parseParams, parseSubject, parseUri, parseVia, quote, tagOf,
} from './syntax.ts';
export type { CSeq, GbSubject, NameAddr, SipParams, SipUri, Via } from './syntax.ts';
export { REASON_PHRASES, buildAck, buildRequest, buildResponse, reasonPhrase } from './build.ts';
export type { RequestOptions as BuildRequestOptions, ResponseOptions, ViaOptions } from './build.ts';
export { SipStreamFramer } from './framer.ts';
export type { FramerOptions } from './framer.ts';
export { DigestServer, digestAuthorization, digestResponse, parseDigestParams } from './digest.ts';
export type { ClientDigestOptions, DigestInput, DigestResult, DigestServerOptions, DigestVerdict } from './digest.ts';
export { SipTransport } from './transport.ts';
export type { BadMessage, SipLogger, SipRemote, TransportEvents, TransportOptions, TransportStats } from './transport.ts';
export { SipEndpoint } from './endpoint.ts';
export type { EndpointEvents, EndpointOptions, EndpointStats, RequestHandler, RequestOptions, SipTimers } from './endpoint.ts';
