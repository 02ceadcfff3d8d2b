// An upper platform's SDP offer, checked before anything is opened: what we
// can send (live PS over UDP or TCP), our TCP role (the opposite of its
// a=setup) and the SSRC we stamp (its y= value, else one of ours).
import { randomInt } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { GwError } from '../../../device-registry/errors.ts';
import type { UpwardOffer } from './index.ts';
import type { SenderTarget } from './rtp-sender.ts';

/** 488 Not Acceptable Here: the cascade answers the INVITE with it. */
const notAcceptable = (message: string, field: string) => new GwError('GW_ERR_VALIDATION', message, `offer.${field}`, { sipStatus: 488 });

export function checkOffer(offer: UpwardOffer): { target: SenderTarget; ssrc: string } {
  if (offer.playback) throw notAcceptable('playback of recordings from an upper platform is not supported; only live play', 'playback');
  if (offer.transport !== 'udp' && offer.transport !== 'tcp') throw notAcceptable(`transport ${String(offer.transport)} is not udp or tcp`, 'transport');
  if (!isIPv4(offer.address)) throw notAcceptable(`media address ${offer.address} is not an IPv4 address`, 'address');
  // An upper that connects to us (setup:active) may name no port of its own.
  const weConnect = offer.transport === 'udp' || offer.setup !== 'active';
  if (!Number.isInteger(offer.port) || offer.port < 0 || offer.port > 65535 || (weConnect && offer.port === 0)) {
    throw notAcceptable(`media port ${offer.port} is not one we can send to`, 'port');
  }
  const ssrc = offer.ssrc ?? liveSsrc();
  if (!/^[0-9]{1,10}$/.test(ssrc) || Number(ssrc) > 0xffffffff) throw notAcceptable(`SSRC ${ssrc} is not a 32-bit decimal number`, 'ssrc');
  // TCP without a=setup: the upper listens at the port it gives and we connect (what GB/T 28181 senders do).
  const setup = offer.transport === 'tcp' ? (offer.setup === 'active' ? 'passive' : 'active') : undefined;
  return { target: { transport: offer.transport, address: offer.address, port: offer.port, ...(setup ? { setup } : {}) }, ssrc };
}

/** A live SSRC when the offer has none: first digit 0 (live), then nine random digits. */
function liveSsrc(): string {
  return `0${String(randomInt(0, 1_000_000_000)).padStart(9, '0')}`;
}

/** The SIP status for an error `open()` threw: 404, 488, 503, else 500. */
export function sipStatusOf(err: unknown): number {
  if (!(err instanceof GwError)) return 500;
  const sip = err.details?.sipStatus;
  if (typeof sip === 'number') return sip;
  return err.statusCode === 404 || err.statusCode === 503 ? err.statusCode : 500;
}
