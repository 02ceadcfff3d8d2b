// Prometheus metrics of the upward streams: sessions now (by our transport),
// channel feeds now, sessions opened, refused (by SIP status) and ended by
// themselves, RTP packets and bytes sent. Read from the room's own counts at
// each scrape; no label names a channel or an upper platform.
import type { Registry } from 'prom-client';
import { readCounter, readGauge } from '../../http/metric-kit.ts';
import type { UpwardRoom } from './upward-streams.ts';

const TRANSPORTS = ['udp', 'tcp-active', 'tcp-passive'];

export function registerUpwardMetrics(registry: Registry, upward: Pick<UpwardRoom, 'stats' | 'sessions'>): void {
  readGauge(registry, {
    name: 'gateway_gb28181_upward_sessions', help: 'Upward media sessions (an upper platform playing one of our channels) now, by our transport', labelNames: ['transport'],
    read: () => {
      const counts = new Map(TRANSPORTS.map((t) => [t, 0]));
      for (const s of upward.sessions()) counts.set(s.transport, (counts.get(s.transport) ?? 0) + 1);
      return [...counts].map(([transport, n]) => [{ transport }, n]);
    },
  });
  readGauge(registry, { name: 'gateway_gb28181_upward_feeds', help: 'Channels read from their ingest for upward sessions now (one read per channel, however many sessions)', read: () => [[{}, upward.stats().feeds]] });
  readCounter(registry, { name: 'gateway_gb28181_upward_sessions_opened_total', help: 'Upward sessions opened (INVITE answered with our media)', read: () => [[{}, upward.stats().opened]] });
  readCounter(registry, {
    name: 'gateway_gb28181_upward_sessions_refused_total', help: 'Upper platforms\' INVITEs refused by the media side, by SIP status (404, 488, 503, …)', labelNames: ['status'],
    read: () => Object.entries(upward.stats().refused).map(([status, n]) => [{ status }, n]),
  });
  readCounter(registry, {
    name: 'gateway_gb28181_upward_sessions_ended_total', help: 'Upward sessions that ended by themselves (ingest stopped, upper hung up its TCP connection, no ACK), each followed by a BYE',
    read: () => [[{}, upward.stats().endedByThemselves]],
  });
  readCounter(registry, { name: 'gateway_gb28181_upward_rtp_packets_total', help: 'RTP packets sent to upper platforms', read: () => [[{}, upward.stats().packetsSent]] });
  readCounter(registry, { name: 'gateway_gb28181_upward_rtp_bytes_total', help: 'RTP bytes sent to upper platforms (RTP headers included, RFC 4571 prefixes not)', read: () => [[{}, upward.stats().bytesSent]] });
}
