// The GB28181 room's Prometheus metrics: registrations (current and REGISTER
// outcomes), keepalives and devices dropped for missing them, SIP requests by
// method and status, live sessions and their RTP (packets, loss, packets
// dropped for a wrong SSRC or sender). Read from the counts the room keeps,
// plus the SIP endpoint's events; no label names a device.
import { Counter, type Registry } from 'prom-client';
import { readCounter, readGauge, RunningTotals, type Count } from '../http/metric-kit.ts';
import type { Gb28181Room } from './index.ts';

/** SIP methods as a label: RFC 3261 and its extensions; anything else a sender makes up is `other`. */
const METHODS = new Set(['REGISTER', 'MESSAGE', 'INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'INFO', 'NOTIFY', 'SUBSCRIBE', 'UPDATE', 'PRACK', 'REFER', 'PUBLISH']);

const sipMethodLabel = (method: string): string => (METHODS.has(method) ? method : 'other');
const statusLabel = (status: number | string): string => (typeof status === 'string' ? status : Number.isInteger(status) && status >= 100 && status <= 699 ? String(status) : 'other');

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/-/g, '_');

type RoomView = Pick<Gb28181Room, 'sessions' | 'live' | 'sip' | 'status'> & Partial<Pick<Gb28181Room, 'cascade'>>;

export function registerGb28181Metrics(registry: Registry, room: RoomView): void {
  readGauge(registry, { name: 'gateway_gb28181_registered_devices', help: 'GB28181 devices registered now', read: () => [[{}, room.sessions.size]] });
  readCounter(registry, {
    name: 'gateway_gb28181_register_total', help: 'REGISTER requests by outcome (registered, refreshed, unregistered, challenged, refused, …)', labelNames: ['result'],
    read: () => Object.entries(counts(room.status().register)).map(([key, n]) => [{ result: snake(key) }, n]),
  });
  readCounter(registry, {
    name: 'gateway_gb28181_keepalives_total', help: 'Keepalive MESSAGEs received',
    read: () => [[{}, counts(room.status().messages).keepalives ?? 0]],
  });
  const misses = new Counter({ name: 'gateway_gb28181_keepalive_misses_total', help: 'Devices taken offline for missing their keepalives', registers: [registry] });
  room.sessions.on('offline', (_deviceId, reason) => {
    if (/keepalive/i.test(reason)) misses.inc();
  });

  const sip = new Counter({
    name: 'gateway_gb28181_sip_requests_total', labelNames: ['direction', 'method', 'status'], registers: [registry],
    help: 'SIP requests: in (from devices, by our final answer, or `limited` when dropped by the REGISTER rate limit), out (ours, by the device\'s final answer, `timeout` or `error`)',
  });
  room.sip.on('answered', (req, status) => sip.inc({ direction: 'in', method: sipMethodLabel(req.method), status: statusLabel(status) }));
  room.sip.on('limited', (req) => sip.inc({ direction: 'in', method: sipMethodLabel(req.method), status: 'limited' }));
  room.sip.on('completed', (req, outcome) => sip.inc({ direction: 'out', method: sipMethodLabel(req.method), status: statusLabel(outcome) }));

  // Upper platforms (级联): a handful, so each is a label.
  readGauge(registry, {
    name: 'gateway_gb28181_upper_registered', help: 'Registered with this upper platform now (1) or not (0)', labelNames: ['upper'],
    read: () => (room.cascade?.status() ?? []).map((u) => [{ upper: u.id }, u.state === 'registered' ? 1 : 0]),
  });
  readCounter(registry, {
    name: 'gateway_gb28181_upper_events_total', labelNames: ['upper', 'event'],
    help: 'Per upper platform: registrations, register failures, keepalives sent and failed, queries answered, catalog NOTIFYs, INVITEs, BYEs, controls, alarms sent',
    read: () => (room.cascade?.status() ?? []).flatMap((u) => Object.entries(u.counts).map(([k, n]) => [{ upper: u.id, event: snake(k) }, n] as [{ upper: string; event: string }, number])),
  });

  readGauge(registry, { name: 'gateway_gb28181_live_sessions', help: 'GB28181 live play sessions (INVITE dialogs) now', read: () => [[{}, room.live.size]] });
  // RTP counts live on each session; a session's last counts are read once more at the scrape after it ended.
  const sessions = new LiveSessionCounts(room.live);
  const packets = new RunningTotals([] as const);
  const lost = new RunningTotals([] as const);
  const dropped = new RunningTotals(['reason'] as const, [{ reason: 'wrong_ssrc' }, { reason: 'wrong_source' }, { reason: 'bad_rtp' }]);
  readCounter(registry, { name: 'gateway_gb28181_rtp_packets_total', help: 'RTP packets accepted from devices', read: () => packets.update(sessions.read('packets')) });
  readCounter(registry, { name: 'gateway_gb28181_rtp_lost_total', help: 'RTP packets lost (sequence gaps never filled)', read: () => lost.update(sessions.read('lost')) });
  readCounter(registry, {
    name: 'gateway_gb28181_rtp_dropped_total', help: 'RTP packets dropped: wrong SSRC, from another address than the device\'s, or not RTP', labelNames: ['reason'],
    read: () => dropped.update([...sessions.read('wrongSsrc', { reason: 'wrong_ssrc' }), ...sessions.read('wrongSource', { reason: 'wrong_source' }), ...sessions.read('badRtp', { reason: 'bad_rtp' })]),
  });
}

type SessionStats = ReturnType<Gb28181Room['live']['list']>[number]['stats'];
type CountName = 'packets' | 'lost' | 'wrongSsrc' | 'wrongSource' | 'badRtp';

/** Each scrape's view of the sessions: the live ones, and those listed last time (their counts objects stay readable after they end). */
class LiveSessionCounts {
  private previous = new Map<string, SessionStats>();
  private current = new Map<string, SessionStats>();
  private readAt = 0;

  constructor(private readonly live: Gb28181Room['live']) {}

  read<L extends string>(name: CountName, labels: Partial<Record<L, string>> = {}): Array<Count<L>> {
    this.refresh();
    const out: Array<Count<L>> = [];
    for (const [object, stats] of new Map([...this.previous, ...this.current])) {
      const value = name === 'lost' ? stats.pipeline?.lost : stats.receiver?.[name];
      out.push({ object, labels, value: value ?? 0 });
    }
    return out;
  }

  /** Once per scrape (the counters of one scrape read within a few ms of each other). */
  private refresh(): void {
    if (Date.now() - this.readAt < 1000) return;
    this.readAt = Date.now();
    this.previous = this.current;
    this.current = new Map(this.live.list().map((s) => [`${s.channelId}:${s.ssrc}:${s.startedAt}`, s.stats]));
  }
}

function counts(value: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) if (typeof v === 'number') out[k] = v;
  return out;
}
