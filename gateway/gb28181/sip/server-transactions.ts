// Server transactions (RFC 3261 §17.2), reduced to what a platform needs: a
// retransmitted request gets the last response again instead of a second run of
// the handler, and final INVITE responses over UDP are repeated until the ACK.
import { ExpiringCache } from './cache.ts';
import type { SipRequest } from './message.ts';
import { parseCSeq, parseVia, tagOf } from './syntax.ts';
import type { SipLogger, SipRemote } from './transport-types.ts';

export interface ServerTx {
  key: string;
  remote: SipRemote;
  method: string;
  /** Last response sent, as bytes, ready to be repeated. */
  last?: Buffer;
  final: boolean;
  toTag?: string;
  retransmit?: NodeJS.Timeout;
  dialogKey: string;
}

export interface ServerTxDeps {
  send(remote: SipRemote, buf: Buffer): Promise<void>;
  t1Ms: number;
  t2Ms: number;
  /** How long a completed transaction absorbs retransmissions (64·T1 = 32 s by default). */
  lingerMs: number;
  max: number;
  log?: SipLogger;
}

export type Arrival = { kind: 'new'; tx?: ServerTx } | { kind: 'absorbed' };

export class ServerTransactions {
  private readonly txs: ExpiringCache<ServerTx>;
  // INVITE transactions whose 2xx awaits an ACK; the ACK has its own branch, so it is found by Call-ID + CSeq.
  private readonly awaitingAck: ExpiringCache<ServerTx>;
  absorbed = 0;

  constructor(private readonly d: ServerTxDeps) {
    const stop = (tx: ServerTx) => clearTimeout(tx.retransmit);
    this.txs = new ExpiringCache(d.max, d.lingerMs, stop);
    this.awaitingAck = new ExpiringCache(d.max, d.lingerMs);
  }

  /** Classifies an incoming request; a retransmission is answered here and reported as absorbed. */
  arrive(req: SipRequest, remote: SipRemote): Arrival {
    if (req.method === 'ACK') return this.ack(req);
    const key = txKey(req, req.method);
    const tx = this.txs.get(key);
    if (tx) {
      this.absorbed++;
      if (tx.last) this.resend(tx, tx.last);
      return { kind: 'absorbed' };
    }
    const fresh: ServerTx = { key, remote, method: req.method, final: false, dialogKey: dialogKey(req) };
    this.txs.set(key, fresh);
    return { kind: 'new', tx: fresh };
  }

  /** Forgets a request that was dropped unanswered: its retransmission then arrives as new. */
  forget(req: SipRequest): void {
    this.txs.delete(txKey(req, req.method));
  }

  /** The transaction of a request being answered (undefined once it expired). */
  find(req: SipRequest): ServerTx | undefined {
    return this.txs.get(txKey(req, req.method));
  }

  /** Remembers a response sent for `tx`; final INVITE responses over UDP are repeated until ACKed. */
  sent(tx: ServerTx, status: number, buf: Buffer): void {
    tx.last = buf;
    if (status < 200) return;
    tx.final = true;
    // Retransmissions are absorbed for lingerMs after the final response (Timer J), however long the handler took.
    this.txs.set(tx.key, tx);
    if (tx.method !== 'INVITE' || tx.remote.transport !== 'udp') return;
    if (status < 300) this.awaitingAck.set(tx.dialogKey, tx);
    clearTimeout(tx.retransmit);
    const deadline = Date.now() + this.d.lingerMs;
    const repeat = (interval: number) => {
      tx.retransmit = setTimeout(() => {
        if (Date.now() >= deadline || tx.last !== buf) return;
        this.resend(tx, buf);
        repeat(Math.min(interval * 2, this.d.t2Ms));
      }, interval);
      tx.retransmit.unref();
    };
    repeat(this.d.t1Ms);
  }

  clear(): void {
    this.txs.clear();
    this.awaitingAck.clear();
  }

  private ack(req: SipRequest): Arrival {
    const invite = this.txs.get(txKey(req, 'INVITE'));
    if (invite?.final) {
      clearTimeout(invite.retransmit);
      // ACK of a non-2xx final response belongs to the INVITE transaction: nothing for the handler.
      if (!this.awaitingAck.get(invite.dialogKey)) {
        this.absorbed++;
        return { kind: 'absorbed' };
      }
    }
    const answered = this.awaitingAck.get(dialogKey(req));
    if (answered) {
      clearTimeout(answered.retransmit);
      this.awaitingAck.delete(dialogKey(req));
    }
    return { kind: 'new' };
  }

  private resend(tx: ServerTx, buf: Buffer): void {
    this.d.send(tx.remote, buf).catch((err: unknown) => this.d.log?.debug?.({ err, remote: tx.remote }, 'SIP response retransmission failed'));
  }
}

/**
 * Branch + method as RFC 3261 §17.2.3 matches, plus Call-ID, CSeq number and From tag:
 * some devices reuse one branch for every request, and a true retransmission repeats all of them.
 */
function txKey(req: SipRequest, method: string): string {
  const branch = parseVia(req.headers.getAll('Via')[0] ?? '').params.get('branch') ?? '';
  return `${branch}|${method}|${dialogKey(req)}|${tagOf(req.headers.get('From')) ?? ''}`;
}

function dialogKey(req: SipRequest): string {
  return `${req.headers.get('Call-ID') ?? ''}|${parseCSeq(req.headers.get('CSeq') ?? '').seq}`;
}
