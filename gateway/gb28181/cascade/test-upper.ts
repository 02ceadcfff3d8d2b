// For tests: an upper platform made with our SIP library, in process on
// localhost (UDP and TCP). It challenges REGISTERs with digest and checks the
// password, answers keepalives (or refuses or ignores them on demand), keeps
// every MANSCDP body it gets, and sends queries, INVITE, ACK, INFO and BYE down.
import { buildQuery, parseManscdp, type ManscdpMessage } from '../manscdp/index.ts';
import {
  buildRequest, DigestServer, newCallId, newTag, SipEndpoint, SipTransport, type SipRemote, type SipRequest, type SipResponse,
} from '../sip/index.ts';

export const UPPER_ID = '31000000002000000001';
export const UPPER_DOMAIN = '3100000000';

export interface Received {
  method: string;
  from?: string;
  msg?: ManscdpMessage;
  req: SipRequest;
  at: number;
}

export class TestUpper {
  readonly received: Received[] = [];
  readonly registers: SipRequest[] = [];
  /** How keepalives are met: answered 200, refused 403, or dropped. */
  keepalives: 'answer' | 'refuse' | 'ignore' = 'answer';
  /** Every request dropped unanswered (the platform is down). */
  silent = false;
  registered = false;
  private readonly digest = new DigestServer({ realm: UPPER_DOMAIN });
  private cseq = 1;

  private constructor(readonly transport: SipTransport, readonly sip: SipEndpoint, public password: string) {
    sip.onRequest = (req, remote) => this.onRequest(req, remote);
  }

  static async start(password: string): Promise<TestUpper> {
    const transport = new SipTransport({ host: '127.0.0.1', port: 0 });
    await transport.listen();
    const sip = new SipEndpoint({ transport, timers: { t1Ms: 50, t2Ms: 400, transactionMs: 2000 } });
    return new TestUpper(transport, sip, password);
  }

  get port(): number {
    return this.transport.address().port;
  }

  async close(): Promise<void> {
    this.sip.close();
    await this.transport.close();
  }

  /** MANSCDP bodies received, by root and CmdType (`Notify:Keepalive`, `Response:Catalog`…). */
  bodies(kind: string): ManscdpMessage[] {
    return this.received.filter((r) => r.msg && `${r.msg.root}:${r.msg.cmdType}` === kind).map((r) => r.msg!);
  }

  async until<T>(what: string, check: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = check();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** A Query MESSAGE to the lower platform. */
  query(lower: SipRemote, lowerId: string, cmdType: 'Catalog' | 'DeviceInfo' | 'DeviceStatus', sn: number, deviceId = lowerId): Promise<SipResponse> {
    return this.sip.request(lower, this.request(lower, 'MESSAGE', lowerId, buildQuery(cmdType, sn, deviceId), 'Application/MANSCDP+xml'));
  }

  /** A MESSAGE with any body (DeviceControl, broken XML). */
  rawMessage(lower: SipRemote, lowerId: string, body: string): Promise<SipResponse> {
    return this.sip.request(lower, this.request(lower, 'MESSAGE', lowerId, body, 'Application/MANSCDP+xml'));
  }

  /** An INVITE for a channel code with an SDP offer; resolves with the final answer and what ends the call. `timeoutMs`: for a final answer that waits for video (default 2 s). */
  async invite(lower: SipRemote, code: string, sdp: string, timeoutMs?: number): Promise<{ res: SipResponse; req: SipRequest }> {
    const req = this.request(lower, 'INVITE', code, sdp, 'APPLICATION/SDP', { Subject: `${code}:0100000001,${UPPER_ID}:0` });
    return { res: await this.sip.request(lower, req, timeoutMs === undefined ? undefined : { timeoutMs }), req };
  }

  /** SUBSCRIBE to the lower platform's catalog changes. */
  async subscribe(lower: SipRemote, lowerId: string, expires = 600): Promise<{ res: SipResponse; req: SipRequest }> {
    const req = this.request(lower, 'SUBSCRIBE', lowerId, buildQuery('Catalog', 1, lowerId), 'Application/MANSCDP+xml', { Event: 'Catalog', Expires: String(expires) });
    return { res: await this.sip.request(lower, req), req };
  }

  /** An INVITE whose answer is still awaited, and its CANCEL (same branch, RFC 3261 §9.1). */
  startInvite(lower: SipRemote, code: string, sdp: string): { req: SipRequest; final: Promise<SipResponse>; cancel(): Promise<SipResponse> } {
    const req = this.request(lower, 'INVITE', code, sdp, 'APPLICATION/SDP', { Subject: `${code}:0100000001,${UPPER_ID}:0` });
    const final = this.sip.request(lower, req);
    const cancel = () => {
      const cseq = Number.parseInt(req.headers.get('CSeq') ?? '1', 10);
      const cancelReq = buildRequest({
        method: 'CANCEL', uri: req.uri, from: req.headers.get('From')!, to: req.headers.get('To')!, callId: req.headers.get('Call-ID')!, cseq,
        via: req.headers.getAll('Via')[0]!,
      });
      return this.sip.request(lower, cancelReq);
    };
    return { req, final, cancel };
  }

  ack(lower: SipRemote, invite: SipRequest, res: SipResponse): void {
    this.sip.ack(lower, invite, res);
  }

  bye(lower: SipRemote, invite: SipRequest, res: SipResponse): Promise<SipResponse> {
    const bye = buildRequest({
      method: 'BYE', uri: invite.uri, from: invite.headers.get('From')!, to: res.headers.get('To')!, callId: invite.headers.get('Call-ID')!,
      cseq: 2, via: { transport: lower.transport, host: '127.0.0.1', port: this.port },
    });
    return this.sip.request(lower, bye);
  }

  /** An INFO in the call's dialog (Application/MANSRTSP for playback control). */
  info(lower: SipRemote, invite: SipRequest, res: SipResponse, body: string, cseq: number): Promise<SipResponse> {
    const info = buildRequest({
      method: 'INFO', uri: invite.uri, from: invite.headers.get('From')!, to: res.headers.get('To')!, callId: invite.headers.get('Call-ID')!,
      cseq, via: { transport: lower.transport, host: '127.0.0.1', port: this.port }, body, contentType: 'Application/MANSRTSP',
    });
    return this.sip.request(lower, info);
  }

  private request(lower: SipRemote, method: string, target: string, body: string, contentType: string, headers: Record<string, string> = {}): SipRequest {
    return buildRequest({
      method, uri: `sip:${target}@127.0.0.1:${lower.port}`, from: `<sip:${UPPER_ID}@${UPPER_DOMAIN}>;tag=${newTag()}`, to: `<sip:${target}@${UPPER_DOMAIN}>`,
      callId: newCallId('127.0.0.1'), cseq: this.cseq++, via: { transport: lower.transport, host: '127.0.0.1', port: this.port },
      contact: `<sip:${UPPER_ID}@127.0.0.1:${this.port}>`, headers, body, contentType,
    });
  }

  private async onRequest(req: SipRequest, remote: SipRemote): Promise<void> {
    if (this.silent) return;
    const from = /sip:([^@>]+)@/.exec(req.headers.get('From') ?? '')?.[1];
    let msg: ManscdpMessage | undefined;
    if (req.body.length && /MANSCDP/i.test(req.headers.get('Content-Type') ?? '')) msg = parseManscdp(req.body);
    if (req.method === 'REGISTER') return this.register(req, remote);
    if (req.method === 'ACK') return;
    if (msg?.cmdType === 'Keepalive' && this.keepalives !== 'answer') {
      this.received.push({ method: req.method, from, msg, req, at: Date.now() });
      if (this.keepalives === 'refuse') await this.sip.respond(req, remote, 403);
      return;
    }
    this.received.push({ method: req.method, from, msg, req, at: Date.now() });
    await this.sip.respond(req, remote, 200);
  }

  private async register(req: SipRequest, remote: SipRemote): Promise<void> {
    this.registers.push(req);
    const authorization = req.headers.get('Authorization');
    if (!authorization) return void (await this.sip.respond(req, remote, 401, undefined, { headers: { 'WWW-Authenticate': this.digest.challenge() } }));
    const verdict = this.digest.verify(authorization, 'REGISTER', this.password);
    if (verdict.result !== 'ok') return void (await this.sip.respond(req, remote, 403));
    const expires = Number(req.headers.get('Expires') ?? 3600);
    this.registered = expires > 0;
    await this.sip.respond(req, remote, 200, undefined, { headers: { Expires: expires, Date: new Date().toISOString().slice(0, 19) } });
  }
}
