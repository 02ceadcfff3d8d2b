// Play requests from upper platforms: INVITE for a channel code → 100 Trying,
// the upward module prepares the PS/RTP stream → 200 with our SDP; ACK starts
// it, BYE (theirs or ours) ends it. A code we do not know is 404, a channel not
// shared with that upper 403, no video 503 — the reason phrase says which.
// s=Playback / s=Download play a recording from the channel's device instead
// (upper-playback.ts), controlled by INFO MANSRTSP in the dialog.
import type { Logger } from 'pino';
import { GwError } from '../../../device-registry/index.ts';
import { formatUri, newTag, parseNameAddr, reasonPhrase, type SipEndpoint, type SipRemote, type SipRequest } from '../sip/index.ts';
import type { ChannelBook } from './channel-book.ts';
import type { UpperLink } from './upper-link.ts';
import type { UpperDialog } from './upper-requests.ts';
import { buildUpperAnswer, parseUpperOffer, SdpError, type UpperOffer } from './upper-sdp.ts';
import { isRecordingSession, PlaybackRefused, UpperPlayback, type DevicePlaybacks, type RelayedPlayback } from './upper-playback.ts';
import { OwnPlayback, type OwnFootage } from './own-playback.ts';
import { sipStatusOf, type UpwardAnswer, type UpwardStreams } from '../upward/index.ts';

interface Call {
  upperId: string;
  channelId: string;
  code: string;
  /** s=Playback / s=Download: the device's playback, or the gateway's own footage, relayed up. */
  playback?: RelayedPlayback;
  dialog: UpperDialog;
  startedAt: number;
  acked: boolean;
}

interface PendingInvite {
  cancelled: boolean;
  /** Sends the INVITE's final refusal with the reason. */
  refuse(status: number, why: string): Promise<unknown>;
}

export interface CallDeps {
  sip: SipEndpoint;
  book: ChannelBook;
  /** Whether the upper platform is given this channel. */
  shares(upperId: string, channelId: string): boolean;
  /** Our address, written in the SDP when the upward module answers none. */
  announceAddress: string;
  /** Sends our BYE through the upper's link. */
  sendBye(upperId: string, dialog: UpperDialog): Promise<unknown>;
  /** Device playbacks (records/); absent: s=Playback and s=Download of GB28181 channels are 488. */
  playbacks?: DevicePlaybacks;
  /** The gateway's own recordings, once recording runs: s=Playback and s=Download of RTSP/RTMP channels (488 while none). */
  ownFootage?(): OwnFootage | undefined;
  /** Tells the upper a playback reached its end (MediaStatus 121 under the channel's code), before our BYE. */
  sendMediaStatus(upperId: string, code: string): Promise<unknown>;
  log: Logger;
}

export class UpperCalls {
  private readonly calls = new Map<string, Call>();
  private upward: UpwardStreams | undefined;
  /** INVITEs not yet answered with a final status, by Call-ID: a CANCEL ends them with 487. */
  private readonly pending = new Map<string, PendingInvite>();

  constructor(private readonly deps: CallDeps) {}

  /** The upward media module, once the video room runs; INVITEs before that are answered 503. */
  useUpward(upward: UpwardStreams): void {
    this.upward = upward;
    upward.onEnded((callId, reason) => void this.hangUp(callId, reason, false));
  }

  list(): Array<{ callId: string; upperId: string; channelId: string; startedAt: string; acked: boolean; playback?: string }> {
    return [...this.calls.entries()].map(([callId, c]) => ({
      callId, upperId: c.upperId, channelId: c.channelId, startedAt: new Date(c.startedAt).toISOString(), acked: c.acked, ...(c.playback ? { playback: c.playback.id } : {}),
    }));
  }

  get size(): number {
    return this.calls.size;
  }

  async invite(req: SipRequest, remote: SipRemote, link: UpperLink): Promise<void> {
    const callId = req.headers.get('Call-ID') ?? '';
    const toTag = newTag();
    link.counts.invites++;
    await this.deps.sip.respond(req, remote, 100, undefined, { toTag });
    const refuse = (status: number, why: string) => {
      this.deps.log.info({ upperId: link.upper.id, callId, status, why }, 'GB28181 upper platform INVITE refused');
      return this.deps.sip.respond(req, remote, status, `${reasonPhrase(status)} (${ascii(why)})`, { toTag });
    };
    const pending = { cancelled: false, refuse };
    this.pending.set(callId, pending);
    try {
      await this.answer(req, remote, link, callId, toTag, pending);
    } finally {
      this.pending.delete(callId);
    }
  }

  /** A CANCEL for an INVITE still being prepared: 200 to the CANCEL, 487 to the INVITE, its media freed. */
  async cancel(req: SipRequest, remote: SipRemote): Promise<void> {
    const pending = this.pending.get(req.headers.get('Call-ID') ?? '');
    if (!pending) return void (await this.deps.sip.respond(req, remote, 481));
    await this.deps.sip.respond(req, remote, 200);
    if (pending.cancelled) return;
    pending.cancelled = true;
    await pending.refuse(487, 'cancelled by the upper platform');
  }

  private async answer(req: SipRequest, remote: SipRemote, link: UpperLink, callId: string, toTag: string, pending: PendingInvite): Promise<void> {
    const refuse = pending.refuse;
    const code = safeUser(req.uri);
    const channelId = code ? this.deps.book.idOfCode(code) : undefined;
    if (!code || !channelId) return void (await refuse(404, `no channel with code ${code ?? '?'}`));
    if (!this.deps.shares(link.upper.id, channelId)) return void (await refuse(403, `channel ${code} is not shared with ${link.upper.id}`));
    if (!this.upward) return void (await refuse(503, 'upward media is not running'));
    let offer;
    try {
      offer = parseUpperOffer(req.body.toString('utf8'));
    } catch (err) {
      if (!(err instanceof SdpError)) throw err;
      return void (await refuse(488, `bad SDP offer: ${err.message}`));
    }
    let opened: { answer: UpwardAnswer; playback?: RelayedPlayback } | undefined;
    try {
      opened = await this.media(offer, { callId, upperId: link.upper.id, channelId }, pending);
    } catch (err) {
      if (err instanceof PlaybackRefused) return void (pending.cancelled || (await refuse(err.status, err.message)));
      if (!(err instanceof GwError)) throw err;
      if (pending.cancelled) return;
      return void (await refuse(sipStatusOf(err), err.message));
    }
    if (!opened) return;
    const { answer, playback } = opened;
    const dialog: UpperDialog = {
      callId, localTag: toTag, remoteFrom: req.headers.get('From') ?? '', remoteTarget: contactUri(req), localUri: withoutTag(req.headers.get('To') ?? ''), cseq: 0, remote,
    };
    this.calls.set(callId, { upperId: link.upper.id, channelId, code, dialog, startedAt: Date.now(), acked: false, ...(playback ? { playback } : {}) });
    playback?.onEnded((why) => void this.hangUp(callId, why, false));
    const sdp = buildUpperAnswer({ channelCode: code, address: answer.address || this.deps.announceAddress, port: answer.port, transport: answer.transport, setup: answer.setup, ssrc: answer.ssrc, session: offer.session });
    await this.deps.sip.respond(req, remote, 200, undefined, { toTag, body: sdp, contentType: 'APPLICATION/SDP', headers: { Contact: `<sip:${code}@${hostOf(this.deps.announceAddress)}:${this.deps.sip.transport.address().port}>` } });
    this.deps.log.info({ upperId: link.upper.id, channelId, code, callId, transport: answer.transport, session: offer.session, playback: playback?.id }, 'GB28181 upper platform plays a channel');
  }

  /** The upward stream: the channel's running ingest (s=Play), or a recording played back by its device; undefined when cancelled meanwhile. */
  private async media(offer: UpperOffer, ids: { callId: string; upperId: string; channelId: string }, pending: PendingInvite): Promise<{ answer: UpwardAnswer; playback?: RelayedPlayback } | undefined> {
    const upward = this.upward!;
    const media = { address: offer.address, port: offer.port, transport: offer.transport, setup: offer.setup, ssrc: offer.ssrc };
    if (offer.session === 'Play' || offer.session === '') {
      const answer = await upward.open({ ...ids, offer: { ...media, ...(offer.range ? { playback: offer.range } : {}) } });
      if (!pending.cancelled) return { answer };
      upward.close(ids.callId, 'cancelled by the upper platform');
      return undefined;
    }
    if (!isRecordingSession(offer.session)) throw new PlaybackRefused(488, `s=${offer.session} is not Play, Playback or Download`);
    const playback = await this.recording(offer, ids.channelId);
    try {
      if (pending.cancelled) throw new PlaybackRefused(487, 'cancelled by the upper platform');
      const answer = await upward.openFrom({ ...ids, offer: media }, playback.frames);
      if (!pending.cancelled) return { answer, playback };
      upward.close(ids.callId, 'cancelled by the upper platform');
      playback.close('cancelled by the upper platform');
      return undefined;
    } catch (err) {
      playback.close(`the upward stream could not be opened: ${(err as Error).message}`);
      throw err;
    }
  }

  /** A GB28181 channel's recording from its device; an RTSP/RTMP channel's from the gateway's own footage. */
  private recording(offer: UpperOffer, channelId: string): Promise<RelayedPlayback> {
    const channel = this.deps.book.get(channelId);
    if (channel?.gb) {
      if (!this.deps.playbacks) throw new PlaybackRefused(488, 'recordings kept on devices are not offered to upper platforms here');
      return UpperPlayback.open(this.deps.playbacks, channelId, offer);
    }
    const footage = this.deps.ownFootage?.();
    if (!footage) throw new PlaybackRefused(488, `channel ${channelId} is not a GB28181 channel and the gateway keeps no recordings (recording off)`);
    return OwnPlayback.open(footage, channelId, offer, this.deps.log);
  }

  /** INFO MANSRTSP from above in a playback's dialog: forwarded to the device (200), malformed 400, not a playback 488. */
  async info(req: SipRequest, remote: SipRemote, link: UpperLink): Promise<void> {
    const callId = req.headers.get('Call-ID') ?? '';
    const call = this.calls.get(callId);
    if (!call) return void (await this.deps.sip.respond(req, remote, 481));
    if (!call.playback) return void (await this.deps.sip.respond(req, remote, 488, 'Not Acceptable Here (not a playback)'));
    link.counts.controls++;
    try {
      await call.playback.control(req.body.toString('utf8'));
    } catch (err) {
      if (!(err instanceof PlaybackRefused)) throw err;
      this.deps.log.info({ upperId: call.upperId, callId, status: err.status, why: err.message }, 'GB28181 upper platform playback control refused');
      return void (await this.deps.sip.respond(req, remote, err.status, `${reasonPhrase(err.status)} (${ascii(err.message)})`));
    }
    await this.deps.sip.respond(req, remote, 200);
  }

  ack(req: SipRequest): void {
    const callId = req.headers.get('Call-ID') ?? '';
    const call = this.calls.get(callId);
    if (!call || call.acked) return;
    call.acked = true;
    this.upward?.start(callId);
  }

  /** A BYE from the upper platform: true when it ended one of our calls. */
  bye(req: SipRequest, link: UpperLink): boolean {
    const callId = req.headers.get('Call-ID') ?? '';
    if (!this.calls.has(callId)) return false;
    link.counts.byes++;
    void this.hangUp(callId, 'the upper platform hung up', true);
    return true;
  }

  /** Ends every call of an upper platform (its link was lost, or we stop), with a BYE when it may still hear it. */
  endAll(upperId: string | undefined, reason: string, sendBye: boolean): Promise<void[]> {
    const ids = [...this.calls.entries()].filter(([, c]) => upperId === undefined || c.upperId === upperId).map(([id]) => id);
    return Promise.all(ids.map((id) => this.hangUp(id, reason, !sendBye)));
  }

  /** Ends calls of channels no longer shared with their upper platform. */
  endUnshared(): void {
    for (const [callId, c] of this.calls) if (!this.deps.shares(c.upperId, c.channelId)) void this.hangUp(callId, 'the channel is no longer shared', false);
  }

  /** Frees the media; sends our BYE unless the upper already said it. */
  private async hangUp(callId: string, reason: string, theyHungUp: boolean): Promise<void> {
    const call = this.calls.get(callId);
    if (!call) return;
    this.calls.delete(callId);
    this.upward?.close(callId, reason);
    call.playback?.close(reason);
    if (theyHungUp) return;
    if (call.playback?.endedByDevice) {
      await this.deps.sendMediaStatus(call.upperId, call.code).catch((err: Error) => {
        this.deps.log.debug({ callId, err: err.message }, 'GB28181 MediaStatus to the upper platform not answered');
      });
    }
    try {
      await this.deps.sendBye(call.upperId, call.dialog);
    } catch (err) {
      this.deps.log.debug({ callId, err: (err as Error).message }, 'GB28181 BYE to the upper platform not answered');
    }
  }
}


function safeUser(uri: string): string | undefined {
  const m = /^sips?:([^@;]+)@/i.exec(uri);
  return m?.[1];
}

function contactUri(req: SipRequest): string {
  const contact = req.headers.get('Contact') ?? req.headers.get('From') ?? '';
  return formatUri(parseNameAddr(contact).uri);
}

const withoutTag = (header: string) => header.replace(/;\s*tag=[^;]*/i, '');
const hostOf = (address: string) => (address.includes(':') ? `[${address}]` : address);
const ascii = (s: string) => s.replace(/[^\x20-\x7e]/g, '?').slice(0, 120);
