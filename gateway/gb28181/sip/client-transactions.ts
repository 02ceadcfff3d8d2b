// Client transactions (RFC 3261 §17.1): send, repeat over UDP with Timer A/E
// (T1 doubling; non-INVITE capped at T2), match the response by branch + CSeq method.
import { buildAck } from './build.ts';
import { ExpiringCache } from './cache.ts';
import { SipError } from './errors.ts';
import { serializeSip } from './message.ts';
import type { SipRequest, SipResponse } from './message.ts';
import { parseCSeq, parseVia } from './syntax.ts';
import type { SipLogger, SipRemote } from './transport-types.ts';

export interface RequestOptions {
  /** Give up after this long; default 64·T1 (32 s). */
  timeoutMs?: number;
  /** 1xx responses, which do not end the transaction. */
  onProvisional?: (response: SipResponse) => void;
  signal?: AbortSignal;
}

export interface ClientTxDeps {
  send(remote: SipRemote, buf: Buffer): Promise<void>;
  t1Ms: number;
  t2Ms: number;
  timeoutMs: number;
  log?: SipLogger;
}

interface Pending {
  request: SipRequest;
  remote: SipRemote;
  buf: Buffer;
  opts: RequestOptions;
  resolve(response: SipResponse): void;
  fail(err: Error): void;
  retransmit?: NodeJS.Timeout;
  provisional: boolean;
}

export class ClientTransactions {
  private readonly pending = new Map<string, Pending>();
  // ACKs already sent, by branch+method (non-2xx) or Call-ID+CSeq (2xx), repeated when the final response is.
  private readonly acks: ExpiringCache<{ remote: SipRemote; buf: Buffer }>;
  retransmissions = 0;
  timeouts = 0;

  constructor(private readonly d: ClientTxDeps) {
    this.acks = new ExpiringCache(10_000, d.timeoutMs);
  }

  start(remote: SipRemote, request: SipRequest, opts: RequestOptions = {}): Promise<SipResponse> {
    let key: string;
    try {
      key = requestKey(request);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.pending.has(key)) return Promise.reject(new SipError('SIP_ERR_BUILD', 'a transaction with this branch is already running'));
    if (opts.signal?.aborted) return Promise.reject(new SipError('SIP_ERR_ABORTED', 'request aborted'));
    return new Promise<SipResponse>((resolve, reject) => {
      const p: Pending = { request, remote, buf: serializeSip(request), opts, resolve, fail: reject, provisional: false };
      const deadline = setTimeout(() => {
        this.timeouts++;
        finish(new SipError('SIP_ERR_TIMEOUT', `no final response to ${request.method} from ${remote.address}:${remote.port}`));
      }, opts.timeoutMs ?? this.d.timeoutMs);
      deadline.unref();
      const onAbort = () => finish(new SipError('SIP_ERR_ABORTED', 'request aborted'));
      const finish = (err?: Error, response?: SipResponse) => {
        clearTimeout(deadline);
        clearTimeout(p.retransmit);
        opts.signal?.removeEventListener('abort', onAbort);
        this.pending.delete(key);
        if (response) resolve(response);
        else reject(err);
      };
      p.resolve = (response) => finish(undefined, response);
      p.fail = (err) => finish(err);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(key, p);
      this.d.send(remote, p.buf).catch((err: unknown) => p.fail(err as Error));
      if (remote.transport === 'udp') this.schedule(p, key, this.d.t1Ms);
    });
  }

  /** Delivers a response; false when no transaction wanted it (a stray). */
  receive(response: SipResponse): boolean {
    const key = responseKey(response);
    const p = this.pending.get(key);
    if (!p) return this.repeatAck(response, key);
    if (response.status < 200) {
      p.provisional = true;
      try {
        p.opts.onProvisional?.(response);
      } catch (err) {
        this.d.log?.warn({ err }, 'SIP onProvisional callback threw');
      }
      return true;
    }
    if (p.request.method === 'INVITE' && response.status >= 300) {
      // The ACK of a failed INVITE is the transaction's job (RFC 3261 §17.1.1.3).
      this.sendAck(p.remote, buildAck(p.request, response), key);
    }
    p.resolve(response);
    return true;
  }

  /** Sends an ACK and remembers it, so a repeated final response is ACKed again. */
  sendAck(remote: SipRemote, ack: SipRequest, key = ackKey(ack)): void {
    const buf = serializeSip(ack);
    this.acks.set(key, { remote, buf });
    this.d.send(remote, buf).catch((err: unknown) => this.d.log?.debug?.({ err, remote }, 'SIP ACK send failed'));
  }

  close(): void {
    for (const p of [...this.pending.values()]) p.fail(new SipError('SIP_ERR_CLOSED', 'SIP endpoint closed'));
    this.acks.clear();
  }

  private schedule(p: Pending, key: string, interval: number): void {
    p.retransmit = setTimeout(() => {
      if (this.pending.get(key) !== p) return;
      // An INVITE that got a 1xx waits quietly (Timer A stops); non-INVITE keeps going at T2 (Timer E).
      if (p.request.method === 'INVITE' && p.provisional) return;
      this.retransmissions++;
      this.d.send(p.remote, p.buf).catch((err: unknown) => this.d.log?.debug?.({ err, remote: p.remote }, 'SIP retransmission failed'));
      const next = p.request.method === 'INVITE' ? interval * 2 : p.provisional ? this.d.t2Ms : Math.min(interval * 2, this.d.t2Ms);
      this.schedule(p, key, next);
    }, interval);
    p.retransmit.unref();
  }

  private repeatAck(response: SipResponse, key: string): boolean {
    const cseq = parseCSeq(response.headers.get('CSeq') ?? '');
    if (cseq.method !== 'INVITE' || response.status < 200) return false;
    const ack = this.acks.get(response.status < 300 ? `${response.headers.get('Call-ID') ?? ''}|${cseq.seq}` : key);
    if (!ack) return false;
    this.d.send(ack.remote, ack.buf).catch((err: unknown) => this.d.log?.debug?.({ err }, 'SIP ACK repeat failed'));
    return true;
  }
}

function requestKey(req: SipRequest): string {
  const branch = parseVia(req.headers.getAll('Via')[0] ?? '').params.get('branch');
  if (!branch) throw new SipError('SIP_ERR_BUILD', 'request has no Via branch');
  return `${branch}|${parseCSeq(req.headers.get('CSeq') ?? '').method}`;
}

function responseKey(res: SipResponse): string {
  const branch = parseVia(res.headers.getAll('Via')[0] ?? '').params.get('branch') ?? '';
  return `${branch}|${parseCSeq(res.headers.get('CSeq') ?? '').method}`;
}

/** ACK of a 2xx: found again by Call-ID + CSeq number, as its branch is new. */
function ackKey(ack: SipRequest): string {
  return `${ack.headers.get('Call-ID') ?? ''}|${parseCSeq(ack.headers.get('CSeq') ?? '').seq}`;
}
