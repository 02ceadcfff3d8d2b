// A SIP endpoint over SipTransport: hands new requests to one handler, answers
// retransmissions from its cache, runs client transactions, applies a rate-limit hook.
import { EventEmitter } from 'node:events';
import { buildAck, buildResponse } from './build.ts';
import type { ResponseOptions } from './build.ts';
import { ClientTransactions } from './client-transactions.ts';
import type { RequestOptions } from './client-transactions.ts';
import { SipError, SipParseError } from './errors.ts';
import { serializeSip } from './message.ts';
import type { SipMessage, SipRequest, SipResponse } from './message.ts';
import { ServerTransactions } from './server-transactions.ts';
import { parseCSeq, parseNameAddr, parseVia } from './syntax.ts';
import type { SipTransport } from './transport.ts';
import type { BadMessage, SipLogger, SipRemote } from './transport-types.ts';

export type { RequestOptions } from './client-transactions.ts';

export type RequestHandler = (req: SipRequest, remote: SipRemote) => Promise<void>;

export interface SipTimers {
  t1Ms: number;
  t2Ms: number;
  /** Client transaction timeout and server cache lifetime; default 64·T1. */
  transactionMs: number;
}

export interface EndpointOptions {
  transport: SipTransport;
  onRequest?: RequestHandler;
  /** Checked for each new request before the handler; false drops it (or answers 503, see rejectLimited). */
  allow?: (remote: SipRemote, req: SipRequest) => boolean;
  /** Answer limited requests with 503 + Retry-After instead of dropping them; default false. */
  rejectLimited?: boolean;
  /** Answer 400 to requests that failed to parse but carry enough headers to be answered; default true. */
  answerBadRequests?: boolean;
  timers?: Partial<SipTimers>;
  /** Server transactions remembered for retransmission absorption; default 10 000. */
  maxServerTransactions?: number;
  logger?: SipLogger;
}

export interface EndpointStats {
  requests: number;
  responses: number;
  absorbed: number;
  retransmissions: number;
  timeouts: number;
  limited: number;
  strayResponses: number;
  handlerErrors: number;
  badRequestsAnswered: number;
}

export interface EndpointEvents {
  'bad-message': [info: BadMessage];
  limited: [req: SipRequest, remote: SipRemote];
  'stray-response': [res: SipResponse, remote: SipRemote];
  /** We gave a request its final answer (metrics). */
  answered: [req: SipRequest, status: number];
  /** A request of ours ended: the final status, or why there was none (metrics). */
  completed: [req: SipRequest, outcome: number | 'timeout' | 'error'];
}

export class SipEndpoint extends EventEmitter<EndpointEvents> {
  onRequest: RequestHandler;
  readonly transport: SipTransport;
  private readonly server: ServerTransactions;
  private readonly client: ClientTransactions;
  private readonly log: SipLogger | undefined;
  private readonly counts = { requests: 0, responses: 0, limited: 0, strayResponses: 0, handlerErrors: 0, badRequestsAnswered: 0 };
  private readonly onMessage = (msg: SipMessage, remote: SipRemote) => this.receive(msg, remote);
  private readonly onBad = (info: BadMessage) => this.bad(info);

  constructor(private readonly opts: EndpointOptions) {
    super();
    this.transport = opts.transport;
    this.log = opts.logger;
    this.onRequest = opts.onRequest ?? ((req, remote) => this.notImplemented(req, remote));
    const t1Ms = opts.timers?.t1Ms ?? 500;
    const t2Ms = opts.timers?.t2Ms ?? 4_000;
    const transactionMs = opts.timers?.transactionMs ?? 64 * t1Ms;
    const send = (remote: SipRemote, buf: Buffer) => this.transport.send(remote, buf);
    this.server = new ServerTransactions({ send, t1Ms, t2Ms, lingerMs: transactionMs, max: opts.maxServerTransactions ?? 10_000, log: this.log });
    this.client = new ClientTransactions({ send, t1Ms, t2Ms, timeoutMs: transactionMs, log: this.log });
    this.transport.on('message', this.onMessage);
    this.transport.on('bad-message', this.onBad);
  }

  get stats(): EndpointStats {
    return { ...this.counts, absorbed: this.server.absorbed, retransmissions: this.client.retransmissions, timeouts: this.client.timeouts };
  }

  /** Answers a request received by the handler; repeats of the request get this answer again. */
  async respond(req: SipRequest, remote: SipRemote, status: number, reason?: string, opts: Omit<ResponseOptions, 'source'> = {}): Promise<SipResponse> {
    if (req.method === 'ACK') throw new SipError('SIP_ERR_BUILD', 'an ACK is never answered');
    const tx = this.server.find(req);
    const toTag = opts.toTag ?? tx?.toTag;
    const response = buildResponse(req, status, reason, { ...opts, ...(toTag ? { toTag } : {}), source: remote });
    const to = response.headers.get('To');
    if (tx && to) tx.toTag ??= parseNameAddr(to).params.get('tag') ?? undefined;
    const buf = serializeSip(response);
    if (tx) this.server.sent(tx, status, buf);
    if (status >= 200) this.emit('answered', req, status);
    await this.transport.send(remote, buf);
    return response;
  }

  /** Runs a client transaction and resolves with the final response (SIP_ERR_TIMEOUT when none). */
  request(remote: SipRemote, req: SipRequest, opts?: RequestOptions): Promise<SipResponse> {
    const answer = this.client.start(remote, req, opts);
    answer.then((res) => this.emit('completed', req, res.status), (err: unknown) => this.emit('completed', req, err instanceof SipError && err.code === 'SIP_ERR_TIMEOUT' ? 'timeout' : 'error'));
    return answer;
  }

  /** Sends the ACK for a 2xx INVITE response and repeats it if that 2xx is retransmitted. */
  ack(remote: SipRemote, invite: SipRequest, response: SipResponse): SipRequest {
    const ack = buildAck(invite, response);
    this.client.sendAck(remote, ack);
    return ack;
  }

  /** Sends outside any transaction (e.g. a hand-built ACK). */
  send(remote: SipRemote, message: SipMessage | Buffer): Promise<void> {
    return this.transport.send(remote, message);
  }

  /** Detaches from the transport (which stays open) and fails pending requests with SIP_ERR_CLOSED. */
  close(): void {
    this.transport.off('message', this.onMessage);
    this.transport.off('bad-message', this.onBad);
    this.client.close();
    this.server.clear();
  }

  private receive(msg: SipMessage, remote: SipRemote): void {
    if (msg.kind === 'response') {
      this.counts.responses++;
      if (!this.client.receive(msg)) {
        this.counts.strayResponses++;
        this.emit('stray-response', msg, remote);
      }
      return;
    }
    this.counts.requests++;
    if (this.server.arrive(msg, remote).kind === 'absorbed') return;
    if (this.opts.allow && !this.opts.allow(remote, msg)) {
      this.counts.limited++;
      this.emit('limited', msg, remote);
      if (this.opts.rejectLimited && msg.method !== 'ACK') this.answer(msg, remote, 503, undefined, { headers: { 'Retry-After': 30 } });
      // Dropped unanswered: no transaction stays to absorb its retransmissions, which are judged afresh.
      else this.server.forget(msg);
      return;
    }
    void this.run(msg, remote);
  }

  private async run(req: SipRequest, remote: SipRemote): Promise<void> {
    try {
      await this.onRequest(req, remote);
    } catch (err) {
      this.counts.handlerErrors++;
      this.log?.warn({ err, method: req.method, remote }, 'SIP request handler failed');
      if (req.method !== 'ACK' && !this.server.find(req)?.final) this.answer(req, remote, 500);
    }
  }

  private bad(info: BadMessage): void {
    this.emit('bad-message', info);
    const req = info.partial;
    if (this.opts.answerBadRequests === false || req?.kind !== 'request' || req.method === 'ACK' || !answerable(req)) return;
    if (this.opts.allow && !this.opts.allow(info.remote, req)) {
      this.counts.limited++;
      return;
    }
    this.counts.badRequestsAnswered++;
    this.answer(req, info.remote, info.status, `${info.status === 513 ? 'Message Too Large' : 'Bad Request'} (${info.reason})`);
  }

  /** respond() for internal use: a failure to send is logged, never thrown. */
  private answer(req: SipRequest, remote: SipRemote, status: number, reason?: string, opts?: Omit<ResponseOptions, 'source'>): void {
    this.respond(req, remote, status, reason, opts).catch((err: unknown) => this.log?.warn({ err, remote, status }, 'SIP response failed'));
  }

  private async notImplemented(req: SipRequest, remote: SipRemote): Promise<void> {
    if (req.method !== 'ACK') await this.respond(req, remote, 501);
  }
}

/** A request can be answered when the headers a response echoes are there and parse. */
function answerable(req: SipRequest): boolean {
  const h = req.headers;
  try {
    parseVia(h.getAll('Via')[0] ?? '');
    parseCSeq(h.get('CSeq') ?? '');
    parseNameAddr(h.get('From') ?? '');
    parseNameAddr(h.get('To') ?? '');
    return h.get('Call-ID') !== undefined;
  } catch (err) {
    if (err instanceof SipParseError) return false;
    throw err;
  }
}
