// RTMP ingest and loopback HTTP-FLV / WS-FLV playback on node-media-server
// 4.4.3. We open the listening sockets ourselves and hand connections to NMS:
// NMS binds every listener to one address, skips port 0 and calls
// process.exit(1) when a port is taken.
import { EventEmitter, once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import type { Logger } from 'pino';
import { Gate, type LiveServerEvents } from './gate.ts';
import { guardFlvPaths, NodeMediaServer, nmsContext, routeNmsLogs, type NodeMediaServer as Nms } from './nms.ts';
import { isLoopback, isWildcard, PUSH_APP } from './policy.ts';

export type { LiveRejectEvent, LiveServerEvents, LiveStreamEvent } from './gate.ts';
export type { RejectReason } from './policy.ts';

export interface LiveServerOptions {
  /** RTMP listen address; loopback is added when this is a specific external address. */
  rtmpHost: string;
  /** 0 picks a free port (tests). */
  rtmpPort: number;
  /** HTTP-FLV / WS-FLV port, always on 127.0.0.1; 0 or unset picks a free one. */
  httpPort?: number;
  /** Whether `live/<key>` from `ip` may publish. */
  authorizePush: (key: string, ip: string) => boolean | Promise<boolean>;
  /** How long a push may wait for authorizePush; default 5 s. */
  authorizeTimeoutMs?: number;
  log: Logger;
}

const LOOPBACK = '127.0.0.1';
const SAFE_NAME = /^[a-zA-Z0-9_-]+$/; // what NMS accepts for app and name
// NMS creates its HTTP server only for a truthy http.port; we listen on it ourselves.
const PLACEHOLDER_PORT = 1;

let nmsInUse = false; // NMS keeps its state in module singletons

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(new Error(`cannot listen on ${host}:${port}: ${err.message}`, { cause: err }));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError).once('listening', onListening).listen(port, host);
  });
}

export class LiveServer extends EventEmitter<LiveServerEvents> {
  private readonly log: Logger;
  private nms: Nms | undefined;
  private ownsNms = false;
  private rtmpServers: Server[] = [];
  private ports: { rtmpPort: number; httpPort: number } | undefined;
  private readonly gate: Gate;

  constructor(private readonly opts: LiveServerOptions) {
    super();
    this.log = opts.log.child({ module: 'live' });
    this.gate = new Gate({
      authorizePush: opts.authorizePush,
      authorizeTimeoutMs: opts.authorizeTimeoutMs ?? 5000,
      log: this.log,
      emit: this.emit.bind(this),
    });
  }

  async start(): Promise<{ rtmpPort: number; httpPort: number }> {
    if (nmsInUse) throw new Error('a LiveServer is already running in this process (node-media-server state is global)');
    nmsInUse = this.ownsNms = true;
    try {
      return await this.listen();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  private async listen(): Promise<{ rtmpPort: number; httpPort: number }> {
    routeNmsLogs(this.log.child({ nms: true }), PUSH_APP);
    // NMS's signed URLs stay off: the hooks below decide. Its store, recorder,
    // relay and webhooks only start in run(), which we never call.
    const nms = new NodeMediaServer({
      bind: LOOPBACK,
      http: { port: this.opts.httpPort || PLACEHOLDER_PORT },
      webadmin: { enable: false },
      auth: { play: false, publish: false },
    });
    this.nms = nms;
    nmsContext.eventEmitter.on('prePublish', this.gate.prePublish).on('prePlay', this.gate.prePlay);

    const servers: Array<[Server, number, string]> = [];
    const http = nms.httpServer.httpServer;
    if (!http) throw new Error('node-media-server created no HTTP server');
    http.removeAllListeners('error'); // NMS's handler exits the process
    guardFlvPaths(http);
    servers.push([http, this.opts.httpPort ?? 0, LOOPBACK]);
    const host = this.opts.rtmpHost;
    // internal/ needs a loopback peer, which a specific external address never sees
    for (const h of isWildcard(host) || isLoopback(host) ? [host] : [host, LOOPBACK]) {
      const rtmp = createServer(nms.rtmpServer.handleRequest);
      this.rtmpServers.push(rtmp);
      servers.push([rtmp, this.opts.rtmpPort, h]);
    }
    const ports = { rtmpPort: this.opts.rtmpPort, httpPort: 0 };
    for (const [server, port, h] of servers) {
      const bound = await listen(server, server === http ? port : ports.rtmpPort, h);
      if (server === http) ports.httpPort = bound;
      else ports.rtmpPort = bound;
      server.on('error', (err) => this.log.error({ err, host: h, port: bound }, 'listener error'));
    }
    nmsContext.config.http = { port: ports.httpPort };
    nmsContext.config.rtmp = { port: ports.rtmpPort };
    this.ports = ports;
    this.log.info({ rtmp: `${host}:${ports.rtmpPort}`, http: `${LOOPBACK}:${ports.httpPort}` }, 'live server listening');
    return { ...ports };
  }

  /** Closes the listeners and every session; leaves no handle behind. */
  async stop(): Promise<void> {
    const nms = this.nms;
    this.nms = undefined;
    this.ports = undefined;
    if (nms) {
      const http = nms.httpServer.httpServer;
      const closing = [...this.rtmpServers, http].filter((s): s is Server => !!s?.listening).map((s) => once(s, 'close'));
      // a server's 'close' comes before its sockets' own 'close' (and our unpublish)
      for (const session of nmsContext.sessions.values()) {
        const socket = session.socket ?? session.req?.socket;
        if (socket && !socket.closed) closing.push(once(socket, 'close'));
      }
      // ws close() would wait up to 30 s for each peer's close frame
      for (const ws of nms.httpServer.wsServer?.clients ?? []) ws.terminate();
      await nms.stop(); // closes its HTTP server, destroys RTMP sockets, stops its sampler
      for (const server of this.rtmpServers) server.close();
      http?.closeAllConnections(); // HTTP-FLV responses stream forever otherwise
      await Promise.all(closing);
      // NMS holds an ended publish for a 30 s resume window; a stopped server resumes nothing.
      for (const broadcast of nmsContext.broadcasts.values()) broadcast._finishPublish();
      nmsContext.broadcasts.clear();
      nmsContext.eventEmitter.off('prePublish', this.gate.prePublish).off('prePlay', this.gate.prePlay);
      this.log.info('live server stopped');
    }
    this.rtmpServers = [];
    this.gate.clear();
    if (this.ownsNms) nmsInUse = this.ownsNms = false;
  }

  /** Loopback HTTP-FLV URL, for the gateway's authenticated proxy. */
  flvUrl(app: string, name: string): string {
    return `http://${LOOPBACK}:${this.started().httpPort}${streamPath(app, name)}.flv`;
  }

  /** Loopback WS-FLV URL (same path as HTTP-FLV, ws: scheme). */
  wsFlvUrl(app: string, name: string): string {
    return `ws://${LOOPBACK}:${this.started().httpPort}${streamPath(app, name)}.flv`;
  }

  /** Loopback RTMP URL, for our own ffmpeg to publish or read. */
  rtmpUrl(app: string, name: string): string {
    return `rtmp://${LOOPBACK}:${this.started().rtmpPort}${streamPath(app, name)}`;
  }

  /** True from an accepted publish until its connection closes. */
  isPublishing(app: string, name: string): boolean {
    return this.gate.isPublishing(`/${app}/${name}`);
  }

  private started(): { rtmpPort: number; httpPort: number } {
    if (!this.ports) throw new Error('LiveServer is not started');
    return this.ports;
  }
}

function streamPath(app: string, name: string): string {
  if (!SAFE_NAME.test(app) || !SAFE_NAME.test(name)) throw new Error(`stream app and name must match ${SAFE_NAME}: ${app}/${name}`);
  return `/${app}/${name}`;
}
