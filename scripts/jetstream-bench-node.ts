// One gateway node for the JetStream benchmark (bench/jetstream.ts): its own
// NATS connection; a producer of its share of incident candidates (a bounded
// window of outstanding PubAcks), a consumer on the shared `door` consumer
// whose handler costs a simulated `--handlerMs` and then publishes the
// incident event to GW_EVENTS, and a subscriber to all of GW_EVENTS.
// Reads commands on stdin ({"cmd":"go"} / {"cmd":"report"}), writes JSON
// lines on stdout, stamped with the machine's real time (performance clock).
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { CandidateQueue } from '../gateway/cluster/jetstream/candidate-queue.ts';
import { connectNats } from '../gateway/cluster/jetstream/connect.ts';
import { sleep } from '../gateway/cluster/start-retry.ts';
import { EventFanout } from '../gateway/cluster/jetstream/event-fanout.ts';
import { ensureStreams } from '../gateway/cluster/jetstream/streams.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' }, node: { type: 'string' }, from: { type: 'string' }, count: { type: 'string' },
    window: { type: 'string', default: '256' }, 'handler-ms': { type: 'string', default: '0' }, concurrency: { type: 'string', default: '64' },
  },
});
const nodeId = values.node!;
const from = Number(values.from);
const count = Number(values.count);
const windowSize = Number(values.window);
const handlerMs = Number(values['handler-ms']);
const realNow = () => performance.timeOrigin + performance.now();
const out = (o: object) => process.stdout.write(`${JSON.stringify({ node: nodeId, t: realNow(), ...o })}\n`);
const log = pino({ level: 'warn' }, pino.destination(2));

const nc = await connectNats(values.url!, { name: nodeId, log });
const jsm = await nc.jetstreamManager();
await ensureStreams(jsm, { retentionHours: 1 });
const queue = new CandidateQueue(nc, jsm, { log });
const fanout = new EventFanout(nc, jsm, { nodeId, log });

// Handled here: candidate number per handler run (a redelivered one appears twice), enqueue→handled ms.
const handled: number[] = [];
const latencyMs: number[] = [];
let lastHandledAt = 0;
const stopConsuming = await queue.consume(async (id, candidate) => {
  const { n, at } = candidate as { n: number; at: number };
  if (handlerMs > 0) await sleep(handlerMs); // the simulated cost of raising an incident
  const now = realNow();
  await fanout.publish({ seq: n, at: now, type: 'incident.created', incidentId: id, payload: { n } });
  handled.push(n);
  latencyMs.push(now - at);
  lastHandledAt = realNow();
}, { concurrency: Number(values.concurrency) });

// Fanned out to this node: distinct events, duplicates, gaps in streamSeq, handled→delivered ms.
const seenEvents = new Set<number>();
const fanoutLatencyMs: number[] = [];
let fanoutDuplicates = 0;
let fanoutGaps = 0;
let lastStreamSeq = 0;
let firstEventAt = 0;
let lastEventAt = 0;
const fanoutSub = fanout.subscribe(1, (e) => {
  const now = realNow();
  if (e.streamSeq <= lastStreamSeq) fanoutDuplicates++;
  else if (e.streamSeq !== lastStreamSeq + 1) fanoutGaps++;
  lastStreamSeq = Math.max(lastStreamSeq, e.streamSeq);
  if (seenEvents.has(e.seq)) return;
  seenEvents.add(e.seq);
  fanoutLatencyMs.push(now - e.at);
  firstEventAt ||= now;
  lastEventAt = now;
});

let enqueueErrors = 0;
async function produce(): Promise<void> {
  const t0 = realNow();
  const inFlight = new Set<Promise<void>>();
  let acked = 0;
  const enqueue = async (n: number): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await queue.enqueue(`cand-${n}`, { n, at: realNow(), source: { kind: 'camera', id: `cam-${n % 500}` }, type: 'crowd', severity: 'minor' });
        acked++;
        return;
      } catch (err) {
        enqueueErrors++;
        if (attempt >= 10) throw err;
        await sleep(100 * attempt);
      }
    }
  };
  for (let n = from; n < from + count; n++) {
    while (inFlight.size >= windowSize) await Promise.race(inFlight);
    const p = enqueue(n).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  out({ ev: 'enqueued', t0, t1: realNow(), acked, duplicates: queue.duplicates, errors: enqueueErrors });
}

const stats = setInterval(() => out({ ev: 'stats', handled: handled.length, fanoutDistinct: seenEvents.size, redelivered: queue.redelivered, failed: queue.failed }), 250);

createInterface({ input: process.stdin }).on('line', (line) => {
  const { cmd } = JSON.parse(line) as { cmd: string };
  if (cmd === 'go') {
    produce().catch((err: unknown) => {
      log.error({ err }, 'producer failed');
      process.exit(1);
    });
  } else if (cmd === 'report') {
    void (async () => {
      clearInterval(stats);
      await stopConsuming();
      await fanoutSub.stop();
      out({
        ev: 'result', handled, latencyMs: latencyMs.map((x) => Math.round(x * 10) / 10), lastHandledAt, redelivered: queue.redelivered, failed: queue.failed,
        fanout: { distinct: seenEvents.size, duplicates: fanoutDuplicates, gaps: fanoutGaps, firstEventAt, lastEventAt, latencyMs: fanoutLatencyMs.map((x) => Math.round(x * 10) / 10) },
        rssMiB: Math.round(process.memoryUsage().rss / 1048576),
      });
      await nc.close();
      process.exit(0);
    })();
  }
});
out({ ev: 'ready' });
