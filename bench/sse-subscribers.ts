// Helper process for bench/incidents.ts: opens N SSE connections and reports
// the delay from each event's updatedAt (when the gateway stored it) to its
// arrival, until it has seen the expected number of events on every connection.
//   node --import tsx bench/sse-subscribers.ts <url> <token> <connections> <events>
const [url, token, connectionsText, eventsText] = process.argv.slice(2);
const connections = Number(connectionsText);
const expected = Number(eventsText);
const delays: number[] = [];
let done = 0;

async function subscribe(): Promise<void> {
  const res = await fetch(`${url}/api/events?types=incident.created`, { headers: { authorization: `Bearer ${token}` } });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let seen = 0;
  while (seen < expected) {
    const { value, done: end } = await reader.read();
    if (end) break;
    const now = Date.now();
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = /^data: (.+)$/m.exec(block)?.[1];
      if (!data) continue;
      delays.push(now - Date.parse((JSON.parse(data) as { updatedAt: string }).updatedAt));
      seen++;
    }
  }
  await reader.cancel();
  done++;
}

await Promise.all(Array.from({ length: connections }, subscribe).map((p) => p));
delays.sort((a, b) => a - b);
const pct = (p: number) => delays[Math.min(delays.length - 1, Math.floor((p / 100) * delays.length))];
process.stdout.write(`${JSON.stringify({ connections: done, samples: delays.length, p50Ms: pct(50), p99Ms: pct(99), maxMs: delays.at(-1) })}\n`);
