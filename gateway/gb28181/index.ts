// The GB28181 room's entry: the platform-side SIP server (REGISTER, keepalive,
// queries, alarms), live play (INVITE → RTP → PS → the video room's ingest
// through a loopback relay), PTZ and their HTTP routes, started and stopped together.
import { EventEmitter } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { RegistryService } from '../../device-registry/index.ts';
import type { RaiseIncident } from '../incidents/candidate.ts';
import { WarnRollup } from '../log-rollup.ts';
import type { GbSource } from '../video/video-manager.ts';
import { alarmCandidate, parseAlarmTime, type GbAlarm } from './alarms.ts';
import { announceAddress } from './announce.ts';
import { Cascade, type IncidentEvents, type UpperElection, type UpwardStreams } from './cascade/index.ts';
import { upperRoutes } from './cascade/http.ts';
import { ownFootage } from './cascade/own-playback.ts';
import type { Gb28181Config } from './config.ts';
import { DeviceEdits } from './device-edits.ts';
import { DeviceSessions } from './devices.ts';
import { DeviceStatusBook } from './device-status.ts';
import { DeviceSync } from './device-sync.ts';
import { EdgeProxies } from './edge-proxy.ts';
import { followHomes, handedOver, type DeviceHomes } from './homes.ts';
import { gbRoutes } from './http-routes.ts';
import type { PtzDrivers } from '../ptz/drivers.ts';
import { recordRoutes } from './records/http.ts';
import { historyRoutes } from './records/history-http.ts';
import { HistorySessions } from './records/history-sessions.ts';
import { DeviceDownloads, deviceExportRun } from './records/device-export.ts';
import type { Exporter, ExportSourceRun } from '../recording/export/exporter.ts';
import { findFfmpeg } from '../video/ffmpeg/locate.ts';
import { childText, type AlarmNotify } from './manscdp/index.ts';
import { MediaPorts } from './media-ports.ts';
import { MessageHandler } from './messages.ts';
import { OutgoingRequests } from './outgoing.ts';
import { LiveSessions } from './play/live-sessions.ts';
import { DeviceQueries } from './queries.ts';
import { RateLimiter } from './rate-limit.ts';
import { RegisterHandler } from './register.ts';
import { EsRelay } from './relay.ts';
import { SipRouter } from './sip-router.ts';
import { SipEndpoint, SipTransport } from './sip/index.ts';
import { DeviceSubscriptions } from './subscriptions/device-subscriptions.ts';
import { NotifyHandler } from './subscriptions/notify-handler.ts';
import { PositionBook } from './subscriptions/positions.ts';

export { Gb28181Config } from './config.ts';
export type { GbAlarm } from './alarms.ts';
export type { DeviceHomes, HomeChange } from './homes.ts';
export type { ChannelPosition, PositionBook } from './subscriptions/positions.ts';

export interface GbEvents {
  alarm: [GbAlarm];
  device: [{ deviceId: string; state: 'online' | 'offline'; reason?: string }];
  availability: [deviceId: string];
}

export interface Gb28181Room {
  events: EventEmitter<GbEvents>;
  /** For the video manager: relay URLs and availability of gb28181 channels. */
  source: GbSource;
  sessions: DeviceSessions;
  live: LiveSessions;
  sync: DeviceSync;
  /** Last MobilePosition of moving channels (subscriptions/positions.ts). */
  positions: PositionBook;
  /** The platform's subscriptions to its devices. */
  subscriptions: DeviceSubscriptions;
  /** The SIP endpoint (its events feed the metrics). */
  sip: SipEndpoint;
  /** Upper platforms we register with (级联); undefined when none is configured. */
  cascade?: Cascade;
  /** The upward media module (gateway/gb28181/upward), once the video room runs: INVITEs from above are answered 503 until then. */
  attachUpward(upward: UpwardStreams): void;
  /** The gateway's own recordings, once recording runs: an upper platform's RecordInfo and Playback of RTSP/RTMP channels. */
  attachRecordings(room: Parameters<typeof ownFootage>[0], ffmpegPath: string): void;
  /** The runner of `device` export jobs (records/device-export.ts), for the recording exporter. */
  deviceExports: ExportSourceRun;
  /** The recording exporter, once it runs: device downloads are its jobs (503 until then). */
  attachExports(exporter: Exporter): void;
  ports: { sip: number };
  status(): Record<string, unknown>;
  routes(app: FastifyInstance): void;
  stop(): Promise<void>;
}

export interface Gb28181Deps {
  registry: RegistryService;
  raise: RaiseIncident;
  log: Logger;
  /** Cluster: where every device is registered, this node's registrations recorded there (gateway/cluster/media origins). */
  homes?: DeviceHomes;
  /** Live events on /api/events (not stored): `device.position` for each MobilePosition of a channel. */
  publishLive?: (type: string, payload: Record<string, unknown>) => void;
  /** Incident events (incident.created …): alarms sent up to upper platforms. */
  incidentEvents?: IncidentEvents;
  /** Cluster: the lease on the upper links; only the node holding it registers with the upper platforms. */
  upperElection?: UpperElection;
  /** Where device downloads are written (under gb28181-downloads/); the system's temporary directory when absent. */
  dataDir?: string;
  /** The drivers of POST /api/channels/:id/ptz (gateway/ptz): GB28181 adds its own. */
  ptz?: PtzDrivers;
}

export async function startGb28181(config: Gb28181Config, deps: Gb28181Deps): Promise<Gb28181Room> {
  const log = deps.log.child({ module: 'gb28181' });
  const warn = new WarnRollup(log);
  const events = new EventEmitter<GbEvents>();
  const transport = new SipTransport({
    host: config.host, port: config.port, udp: config.transports.includes('udp'), tcp: config.transports.includes('tcp'),
    tcpIdleMs: config.keepalive.intervalSeconds * (config.keepalive.missed + 1) * 1000, logger: log.child({ component: 'sip' }),
  });
  await transport.listen();
  const sipPort = transport.address().port;
  const limiter = new RateLimiter(config.register.ratePerSecond, config.register.burst);
  const edge = new EdgeProxies(config.edgeProxies);
  // Behind an edge proxy every device shares the proxy's address: each is limited by its own.
  const sip = new SipEndpoint({
    transport, allow: (remote, req) => req.method !== 'REGISTER' || limiter.allow(edge.deviceAddress(req, remote).address), logger: log.child({ component: 'sip' }),
  });
  sip.on('limited', (req, remote) => warn.warn(`limited:${remote.address}`, { address: remote.address, method: req.method }, 'GB28181 REGISTER flood: requests dropped'));
  sip.on('bad-message', (bad) => warn.warn(`bad:${bad.remote.address}`, { address: bad.remote.address, reason: bad.reason, status: bad.status }, 'GB28181 unreadable SIP message'));

  const me = { id: config.id, domain: config.domain, address: announceAddress(config), port: sipPort };
  const out = new OutgoingRequests(me);
  const sessions = new DeviceSessions(config.keepalive);
  const queries = new DeviceQueries(sip, out, config.queryTimeoutSeconds * 1000);
  const sync = new DeviceSync(deps.registry, sessions, queries, log);
  const deviceStatus = new DeviceStatusBook(deps.registry, (change) => {
    events.emit('device', change);
    events.emit('availability', change.deviceId);
  }, log);
  const subscriptions = new DeviceSubscriptions({ sip, me, sessions, log, timeoutMs: config.queryTimeoutSeconds * 1000 }, {
    kinds: ['Catalog', 'Alarm', 'MobilePosition'], expiresSeconds: 3600, positionIntervalSeconds: 5, ...config.subscribe,
  });
  const register = new RegisterHandler(config, deps.registry, sessions, sip, log, {
    fresh: (id) => {
      if (config.catalogOnRegister) sync.afterRegister(id);
      subscriptions.start(id);
    },
    // A device registered with another node speaks for itself there; a refused REGISTER here (a stranger's) changes nothing.
    refused: (id, reason) => {
      if (!deps.homes?.elsewhere(id)) deviceStatus.offline(id, reason);
    },
  }, edge);
  const edits = new DeviceEdits(deps.registry, sessions, register, deviceStatus);
  const positions = new PositionBook();
  // Scoped by channelId on the event stream, as device.status is.
  positions.on('position', (p) => deps.publishLive?.('device.position', { ...p, at: new Date(p.at).toISOString(), receivedAt: new Date(p.receivedAt).toISOString() }));
  const notify = new NotifyHandler({ sip, sessions, registry: deps.registry, positions, onAlarm: (deviceId, alarm) => void onAlarm(deviceId, alarm), log });
  const liveDeps = {
    sip, out, ports: new MediaPorts(config.media.portMin, config.media.portMax), log, bindHost: config.host,
    inviteTimeoutMs: config.inviteTimeoutSeconds * 1000, rtpTimeoutMs: config.media.rtpTimeoutSeconds * 1000, reorderWindow: config.media.reorderWindow,
  };
  const live = new LiveSessions(deps.registry, sessions, liveDeps, config.domain);
  // Recordings kept on devices: playbacks and downloads (records/).
  const history = new HistorySessions({
    registry: deps.registry, devices: sessions, live: liveDeps, out, sip, domain: config.domain, log,
    downloadDir: join(deps.dataDir ?? tmpdir(), 'gb28181-downloads'),
    playbackDir: join(deps.dataDir ?? tmpdir(), 'gb28181-playback'),
  });
  const messages = new MessageHandler(sip, sessions, queries, out, log, (deviceId, alarm) => void onAlarm(deviceId, alarm), notify, (deviceId, msg) => {
    if (childText(msg.fields, 'NotifyType') === '121') history.endOfFile(deviceId, msg.deviceId);
  });
  const relay = new EsRelay(live.open, log.child({ component: 'relay' }));
  await relay.start();
  const cascade = config.upper?.length ? new Cascade({
    sip, registry: deps.registry, me, uppers: config.upper, civilCode: config.civilCode ?? config.id.slice(0, 8), incidents: deps.incidentEvents, election: deps.upperElection, log, playbacks: history,
    requestTimeoutMs: config.queryTimeoutSeconds * 1000,
    ptz: async (channel, ptzCmd) => {
      const target = channel.gb && sync.target(channel.gb.deviceId);
      if (!channel.gb || !target) throw new Error(`GB28181 device ${channel.gb?.deviceId ?? '?'} is not registered`);
      await queries.ptz(target, channel.gb.channelId, ptzCmd);
    },
    recordInfo: async (channel, from, to, type) => {
      const target = channel.gb && sync.target(channel.gb.deviceId);
      if (!channel.gb || !target) throw new Error(`GB28181 device ${channel.gb?.deviceId ?? '?'} is not registered`);
      return (await queries.recordInfo(target, channel.gb.channelId, from, to, type)).records;
    },
  }) : undefined;
  let downloads: DeviceDownloads | undefined;
  const byes = { endByCallId: (callId: string) => live.endByCallId(callId) || history.endByCallId(callId) };
  const router = new SipRouter(sip, register, messages, byes, log, notify, cascade);
  sip.onRequest = router.handle;

  sessions.on('online', (s) => {
    log.info({ deviceId: s.deviceId, address: s.remote.address, transport: s.remote.transport }, 'GB28181 device online');
    deviceStatus.online(s.deviceId);
  });
  sessions.on('offline', (deviceId, reason) => {
    queries.forget(deviceId, reason);
    subscriptions.forget(deviceId);
    log.info({ deviceId, reason }, 'GB28181 device offline');
    if (!handedOver(deps.homes, deviceId)) return deviceStatus.offline(deviceId, reason);
    deviceStatus.handedOver(deviceId);
    events.emit('availability', deviceId);
  });
  const unfollow = deps.homes && followHomes(deps.homes, { sessions, status: deviceStatus, availability: (id) => events.emit('availability', id), log });
  sessions.start();
  edits.start();
  await cascade?.start();

  async function onAlarm(deviceId: string, n: AlarmNotify): Promise<void> {
    const channelId = (await deps.registry.store.findAltKeys('channels', [`gb28181:${deviceId}:${n.deviceId}`])).get(`gb28181:${deviceId}:${n.deviceId}`);
    const alarm: GbAlarm = {
      deviceId, sourceId: n.deviceId, channelId, priority: n.priority, method: n.method, type: n.type, at: parseAlarmTime(n.time, Date.now()),
      description: n.description, location: n.latitude !== undefined && n.longitude !== undefined ? { lat: n.latitude, lng: n.longitude } : undefined,
    };
    events.emit('alarm', alarm);
    const device = await deps.registry.getStored('gbDevices', deviceId);
    try {
      await deps.raise(alarmCandidate(alarm, device?.doc.gridCode as string | undefined));
    } catch (err) {
      log.error({ deviceId, sourceId: n.deviceId, err: (err as Error).message }, 'GB28181 alarm could not be raised as an incident');
    }
  }

  const source: GbSource = {
    relayUrl: (channelId) => relay.url(channelId),
    elsewhere: (row) => {
      const deviceId = (row.doc.source as { deviceId?: string }).deviceId ?? '';
      return !sessions.get(deviceId) && deps.homes?.elsewhere(deviceId) !== undefined;
    },
    unavailable: (row) => {
      const deviceId = (row.doc.source as { deviceId?: string }).deviceId ?? '';
      if (sessions.get(deviceId)) return undefined;
      return `device offline: ${deviceStatus.why(deviceId) ?? 'not registered'}`;
    },
    on: (event, listener) => events.on(event, listener),
    off: (event, listener) => events.off(event, listener),
  };

  const status = () => ({
    platform: { id: config.id, domain: config.domain, announceAddress: me.address, sipPort, transports: config.transports },
    registered: sessions.size,
    liveSessions: live.size,
    register: register.counts,
    messages: messages.counts,
    notifies: notify.counts,
    subscriptions: subscriptions.counts,
    queries: queries.counts,
    live: live.counts,
    catalog: sync.counts,
    sip: sip.stats,
    transport: transport.stats,
    limitedRegisters: limiter.limited,
    ...(cascade ? { upper: cascade.status() } : {}),
  });

  log.info({ sipPort, transports: config.transports, id: config.id, announce: me.address }, 'GB28181 SIP server listening');
  return {
    events, source, sessions, live, sync, sip, ports: { sip: sipPort }, status, cascade, positions, subscriptions,
    attachUpward: (upward) => cascade?.useUpward(upward),
    attachRecordings: (room, ffmpegPath) => cascade?.useRecordings(ownFootage(room, ffmpegPath)),
    deviceExports: deviceExportRun(history, { ffmpegPath: () => findFfmpeg().path, log }),
    attachExports: (exporter) => void (downloads = new DeviceDownloads({ exporter, registry: deps.registry, history, online: (deviceId) => sessions.get(deviceId) !== undefined, log })),
    routes: (app) => {
      gbRoutes(app, { registry: deps.registry, sessions, live, sync, queries, status, elsewhere: (id) => deps.homes?.elsewhere(id), ptz: deps.ptz });
      upperRoutes(app, { status: () => cascade?.status() ?? [], heldBy: () => cascade?.heldBy() });
      recordRoutes(app, { registry: deps.registry, sync, queries });
      historyRoutes(app, history, () => downloads);
    },
    stop: async () => {
      await cascade?.stop();
      unfollow?.();
      subscriptions.close();
      edits.stop();
      sessions.stop();
      live.closeAll('gateway stopping');
      history.closeAll('gateway stopping');
      await relay.stop();
      queries.close();
      sip.close();
      await transport.close();
      warn.stop();
    },
  };
}
