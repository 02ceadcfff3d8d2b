// Typed view of the parts of node-media-server 4.4.3 that LiveServer uses.
// NMS ships no types and keeps its state in module singletons (Context, the
// logger), so one NodeMediaServer per process; deep requires reach them.
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';

/** The config sections we set; NMS skips a listener whose port is unset or 0. */
export interface NmsConfig {
  bind?: string;
  rtmp?: { port?: number };
  http?: { port?: number };
  webadmin?: { enable?: boolean };
  auth?: { play?: boolean; publish?: boolean; secret?: string };
  notify?: { url?: string };
  record?: { auto?: boolean; path?: string };
}

export interface NmsBroadcast {
  streamPath: string;
  publisher: NmsSession | null;
  subscribers: Map<string, NmsSession>;
  getPublishStatus(): 'publishing' | 'reconnecting' | 'idle';
  /** Ends a publish now instead of after the 30 s resume grace window. */
  _finishPublish(): void;
}

/** RtmpSession (protocol 'rtmp', has `socket`) or FlvSession (protocol 'flv'). */
export interface NmsSession {
  id: string;
  /** "address:port" of the peer. */
  ip: string;
  protocol: string;
  isPublisher: boolean;
  streamApp: string;
  streamName: string;
  streamPath: string;
  broadcast?: NmsBroadcast;
  socket?: Socket;
  /** FlvSession's request; its socket also carries WS-FLV. */
  req?: { socket: Socket };
  close(): void;
}

export type NmsHook = 'prePublish' | 'postPublish' | 'donePublish' | 'prePlay' | 'postPlay' | 'donePlay';

interface WsServer {
  clients: Set<{ terminate(): void }>;
  on(event: 'error', listener: (err: Error) => void): void;
}

export interface NodeMediaServer {
  rtmpServer: { handleRequest: (socket: Socket) => void };
  httpServer: { httpServer?: HttpServer; wsServer?: WsServer };
  stop(): Promise<void>;
}

export interface NmsContext {
  config: NmsConfig;
  sessions: Map<string, NmsSession>;
  broadcasts: Map<string, NmsBroadcast>;
  /** Hooks are emitted here synchronously, in the middle of NMS's own handling. */
  eventEmitter: EventEmitter;
}

type NmsLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

const require = createRequire(import.meta.url);
export const NodeMediaServer = require('node-media-server') as new (config: NmsConfig) => NodeMediaServer;
export const nmsContext = require('node-media-server/src/core/context.js') as NmsContext;
const nmsLogger = require('node-media-server/src/core/logger.js') as { log(message: string, level?: NmsLevel): void };

// NMS "info" is a line per session and "error" is mostly a client's fault
// (bad path, broken chunk), so both go one step down.
const LEVELS: Record<NmsLevel, 'trace' | 'debug' | 'warn'> = {
  trace: 'trace', debug: 'trace', info: 'debug', warn: 'warn', error: 'warn',
};

/**
 * Sends NMS's console.log output to pino instead of stdout, with stream names
 * under `secretApp` redacted (push keys are credentials).
 */
export function routeNmsLogs(log: Logger, secretApp: string): void {
  const keys = new RegExp(`(/${secretApp}/|app=${secretApp}, name=)[^\\s,]+`, 'g');
  nmsLogger.log = (message, level = 'info') => {
    log[LEVELS[level] ?? 'debug'](String(message).replace(keys, '$1[REDACTED]'));
  };
}

const FLV_PATH = /^\/[a-zA-Z0-9_-]+\/[a-zA-Z0-9_-]+\.flv$/;

/**
 * Lets only `/<app>/<name>.flv` reach NMS's HTTP and WebSocket handlers: for
 * any other name NMS 4.4.3 refuses the session, then throws from the socket's
 * 'close' handler and takes the process down.
 */
export function guardFlvPaths(server: HttpServer): void {
  const wrap = (event: 'request' | 'upgrade', refuse: (target: ServerResponse | Duplex) => void) => {
    const handlers = server.listeners(event) as Array<(req: IncomingMessage, target: ServerResponse | Duplex, head?: Buffer) => void>;
    server.removeAllListeners(event);
    server.on(event, (req: IncomingMessage, target: ServerResponse | Duplex, head?: Buffer) => {
      if (!FLV_PATH.test((req.url ?? '').split('?')[0] ?? '')) return refuse(target);
      for (const handler of handlers) handler.call(server, req, target, head);
    });
  };
  wrap('request', (res) => (res as ServerResponse).writeHead(404).end());
  wrap('upgrade', (socket) => socket.destroy());
}
