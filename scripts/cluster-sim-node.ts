// One simulated gateway node for the cluster simulation (bench/cluster.ts and
// the lease tests): real leases in PostgreSQL, channels whose ingest is
// simulated (a start delay, no video). It prints one JSON line per channel
// start and stop, stamped with the machine's real time (performance clock,
// immune to a patched Date), and a stats line every second.
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { ChannelLeases } from '../gateway/cluster/leases/channel-leases.ts';
import { LeaseStore, leasePool } from '../gateway/cluster/leases/lease-store.ts';

const { values } = parseArgs({
  options: {
    pg: { type: 'string' }, node: { type: 'string' }, channels: { type: 'string', default: '1000' }, capacity: { type: 'string', default: '100000' },
    ttl: { type: 'string', default: '6000' }, tick: { type: 'string', default: '1000' }, 'start-ms': { type: 'string', default: '20' },
  },
});
const nodeId = values.node!;
const realNow = () => performance.timeOrigin + performance.now();
const out = (o: object) => process.stdout.write(`${JSON.stringify({ node: nodeId, t: realNow(), ...o })}\n`);
const log = pino({ level: 'warn' }, pino.destination(2));

const ids = Array.from({ length: Number(values.channels) }, (_, i) => `sim-${String(i + 1).padStart(5, '0')}`);
const store = new LeaseStore(leasePool(values.pg!), nodeId, Number(values.ttl));
const running = new Set<string>();
const starting = new Map<string, NodeJS.Timeout>();

const stopChannel = async (id: string) => {
  clearTimeout(starting.get(id));
  starting.delete(id);
  if (running.delete(id)) out({ ev: 'stop', ch: id });
};
const leases = new ChannelLeases(store, { nodeId, url: null, capacity: Number(values.capacity), ttlMs: Number(values.ttl), tickMs: Number(values.tick) }, () => ids, stopChannel, log);
leases.on('acquired', (l) => {
  // The simulated ingest: online after a start delay, if the lease is still held.
  starting.set(l.channelId, setTimeout(() => {
    starting.delete(l.channelId);
    if (leases.owns(l.channelId) === undefined) return;
    running.add(l.channelId);
    out({ ev: 'start', ch: l.channelId, v: l.version });
  }, Number(values['start-ms'])));
});
leases.on('lost', (l, reason) => {
  out({ ev: 'lost', ch: l.channelId, reason });
  void stopChannel(l.channelId);
});

await leases.start();
out({ ev: 'ready' });
setInterval(() => out({ ev: 'stats', running: running.size, ...leases.stats(), rssMiB: Math.round(process.memoryUsage().rss / 1048576) }), 1000);
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, () => void leases.stop().then(() => (out({ ev: 'left' }), process.exit(0))));
}
