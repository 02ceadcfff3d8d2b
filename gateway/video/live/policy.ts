// Who may publish and play what on the RTMP listener. Pure functions, so the
// rules can be read and tested without sockets.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';

/** Outside encoders push to `live/<pushKey>`. */
export const PUSH_APP = 'live';
/** Our own ffmpeg ingest publishes to `internal/<channelId>`, from loopback only. */
export const INTERNAL_APP = 'internal';

export type RejectReason =
  | 'invalid-name' // characters NMS refuses; it leaves app and name empty
  | 'unknown-app' // neither live/ nor internal/
  | 'internal-not-loopback' // internal/ is for our own ingest
  | 'play-not-loopback' // RTMP play is for local tools; browsers go through the gateway's HTTP
  | 'flv-publish' // HTTP/WS-FLV publishing is off: only RTMP pushes are checked
  | 'already-publishing' // the path has a live publisher (NMS refuses the second one)
  | 'denied' // authorizePush said no
  | 'authorize-failed' // authorizePush threw
  | 'authorize-timeout';

export type PublishDecision = { action: 'accept' } | { action: 'authorize' } | { action: 'reject'; reason: RejectReason };

/** "1.2.3.4:5678" or "::ffff:1.2.3.4:5678" → the address without the port. */
export function addressOf(peer: string): string {
  const address = peer.replace(/:\d+$/, '');
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

export function isLoopback(address: string): boolean {
  return address === '::1' || address === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(address);
}

/** Addresses that also accept connections from 127.0.0.1. */
export function isWildcard(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '::';
}

export function decidePublish(p: { app: string; protocol: string; address: string; busy: boolean }): PublishDecision {
  if (p.app === '') return { action: 'reject', reason: 'invalid-name' };
  if (p.protocol !== 'rtmp') return { action: 'reject', reason: 'flv-publish' };
  if (p.app === INTERNAL_APP) {
    if (!isLoopback(p.address)) return { action: 'reject', reason: 'internal-not-loopback' };
  } else if (p.app !== PUSH_APP) {
    return { action: 'reject', reason: 'unknown-app' };
  }
  if (p.busy) return { action: 'reject', reason: 'already-publishing' };
  return p.app === INTERNAL_APP ? { action: 'accept' } : { action: 'authorize' };
}

export function decidePlay(p: { app: string; protocol: string; address: string }): RejectReason | undefined {
  // HTTP/WS-FLV listens on loopback only; the gateway's proxy checks auth.
  if (p.app === '') return 'invalid-name';
  if (p.protocol === 'rtmp' && !isLoopback(p.address)) return 'play-not-loopback';
  return undefined;
}

/** A log-safe handle for a push key: the first 8 hex digits of its SHA-256. */
export function keyTag(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** The stream name as it may appear in a log line. */
export function logName(app: string, name: string): string {
  return app === PUSH_APP ? `key#${keyTag(name)}` : name;
}
