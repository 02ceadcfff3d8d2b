// Types shared by the transport, its TCP half and the endpoint.
import type { SipMessage } from './message.ts';

/** Where a message came from or goes to. TCP messages name their connection. */
export interface SipRemote {
  transport: 'udp' | 'tcp';
  address: string;
  port: number;
  /** Set on TCP: the connection the message arrived on (`tcp-<n>`); replies go back on it. */
  connectionId?: string;
}

/** A pino-compatible logger, or anything with the same shape. */
export interface SipLogger {
  warn(obj: object, msg: string): void;
  debug?(obj: object, msg: string): void;
}

export interface BadMessage {
  reason: string;
  /** 400, or 513 for size limits. */
  status: number;
  remote: SipRemote;
  /** Start line and headers when they parsed: a request here can still be answered 400. */
  partial?: SipMessage;
  /** True when the TCP connection was closed because of it (framing errors). */
  closed: boolean;
}

export interface TransportStats {
  /** Messages parsed and delivered. */
  received: number;
  parseErrors: number;
  oversized: number;
  keepalives: number;
  sent: number;
  sendErrors: number;
  /** A 'message' listener threw; the transport went on. */
  handlerErrors: number;
  socketErrors: number;
  tcpAccepted: number;
  tcpRejected: number;
  tcpIdleClosed: number;
  tcpOpen: number;
}

export interface TransportEvents {
  message: [message: SipMessage, remote: SipRemote];
  'bad-message': [info: BadMessage];
  'tcp-closed': [remote: SipRemote];
}
