// Recording in a cluster (issue 18): two real gateway processes on one real
// PostgreSQL and one real nats-server, a camera from the simulator recorded
// continuously. node-a records it, is killed (-9), node-b takes the lease and
// records on; node-a comes back and takes the channel back (its fair share).
// Both nodes list both nodes' footage; a VOD playlist over all of it plays
// every segment through node-b (node-a's proxied, the same bytes as the file
// on node-a's disk) and plays in Chromium across both hand-overs; an export
// through node-b of a range over both has the footage's length; the
// incident's clip comes from the recording node only. node-a stopped
// (SIGTERM): its segments are a prompt 503 naming it, node-b's still play, an
// export over them fails naming it, and once node-a's heartbeat is stale the
// playlist marks them gaps that Chromium plays across.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { launchBrowser } from './helpers/browser.ts';
import { startGatewayCluster, type ClusterNodeProcess, type GatewayCluster } from './helpers/gateway-cluster.ts';
import { CLIP_DIR, waitFor } from './helpers/video.ts';
import { startCameraSimulator, type CameraSimulator } from './sim/camera-sim.ts';

const run = promisify(execFile);
const HLS_JS = join(process.cwd(), 'node_modules', 'hls.js', 'dist', 'hls.min.js');
const TTL_S = 4;
const CHANNEL = 'cam-fo';

type ApiSegment = { start: string; end: string; node: string; bytes: number };
type Recordings = { segments: ApiSegment[]; gaps: Array<{ start: string; end: string }> };
type Job = { id: string; state: string; seconds: number; actualFrom: string; actualTo: string; gaps: number; reason?: string; download?: string };

let cluster: GatewayCluster;
let sim: CameraSimulator;
/** The nodes' data dirs (the recordings are read from the disk to compare bytes). */
const dataDirs = new Map<string, string>();
const dataDirOf = (id: string) => dataDirs.get(id) ?? assert.fail(`no data dir of ${id}`);
const noteDataDir = (n: ClusterNodeProcess) => dataDirs.set(n.nodeId, n.gw.proc.spawnargs.join(' ').match(/--dataDir (\S+)/)![1]!);
/** The failover's footage, listed by node-b once both nodes have recorded. */
let footage: ApiSegment[];

const node = (id: string): ClusterNodeProcess => {
  const n = cluster.nodes.get(id);
  if (!n) throw new Error(`${id} is not running`);
  return n;
};
const ms = (iso: string) => Date.parse(iso);
const recordingsOn = (id: string) => node(id).json<Recordings>(`/api/channels/${CHANNEL}/recordings`);
const byNode = (segments: ApiSegment[], nodeId: string) => segments.filter((s) => s.node === nodeId);

/** SIGTERM, as a service manager stops a node: it hands its leases back and closes its last segment. */
async function stopGracefully(id: string): Promise<void> {
  const n = node(id);
  cluster.nodes.delete(id);
  n.gw.proc.kill('SIGTERM');
  const timer = setTimeout(() => n.gw.proc.kill('SIGKILL'), 30_000);
  assert.equal(await n.gw.exit, 0, `${id} exits cleanly`);
  clearTimeout(timer);
}

before(async () => {
  sim = await startCameraSimulator({ clipDir: CLIP_DIR, streams: [{ path: 'fo', clip: 'h264-360p' }] });
  await sim.waitReady('fo', 60_000);
  cluster = await startGatewayCluster({
    ttlSeconds: TTL_S, tickSeconds: 0.5,
    args: ['--video.startStaggerMs', '0', '--detection.enabled', 'false', '--recording.segmentSeconds', '2', '--recording.exports.maxSeconds', '600',
      '--recording.events.preRollSeconds', '4', '--recording.events.postRollSeconds', '4'],
  });
  // node-a alone, so the channel is its; node-b joins once node-a records.
  const a = await cluster.start('node-a');
  noteDataDir(a);
  await a.json('/api/channels', { method: 'POST', body: JSON.stringify({ id: CHANNEL, name: '东门 fo', kind: 'rtsp', mode: 'always-on', source: { url: sim.url('fo') }, recording: { mode: 'continuous' } }) });
  await waitFor(async () => (byNode((await recordingsOn('node-a')).segments, 'node-a').length >= 4 ? true : undefined), 90_000, 'node-a records');
  noteDataDir(await cluster.start('node-b'));
  await cluster.kill('node-a');
  await waitFor(async () => (byNode((await recordingsOn('node-b')).segments, 'node-b').length >= 4 ? true : undefined), 90_000, 'node-b records after the failover');
  // node-a back: with one channel and two nodes the fair share is node-a's (first by id), so node-b hands it back.
  noteDataDir(await cluster.start('node-a'));
  await waitFor(async () => {
    const { segments } = await recordingsOn('node-b');
    const lastB = byNode(segments, 'node-b').at(-1)!;
    return segments.filter((s) => s.node === 'node-a' && ms(s.start) >= ms(lastB.end)).length >= 3 ? true : undefined;
  }, 90_000, 'node-a records again');
  footage = (await recordingsOn('node-b')).segments;
});
after(async () => {
  await cluster?.close();
  await sim?.stop();
});

test('after a failover and back both nodes list both nodes\' footage of the channel, each segment with its node, never two at once', async () => {
  for (const id of ['node-a', 'node-b']) {
    const { segments, gaps } = await recordingsOn(id);
    const onA = byNode(segments, 'node-a');
    const onB = byNode(segments, 'node-b');
    assert.ok(onA.length >= 7 && onB.length >= 4, `${id} lists ${onA.length} segments of node-a and ${onB.length} of node-b`);
    assert.equal(onA.length + onB.length, segments.length, 'every segment names node-a or node-b');
    // node-a's footage, node-b's after the failover, node-a's again after it came back; one recorder at a time.
    const runs = segments.map((s) => s.node).filter((n, i, all) => n !== all[i - 1]);
    assert.deepEqual(runs, ['node-a', 'node-b', 'node-a']);
    segments.forEach((s, i) => assert.ok(i === 0 || ms(s.start) >= ms(segments[i - 1]!.end), `${s.start} (${s.node}) starts after the previous segment ended`));
    const lastOfFirstRun = segments[segments.findIndex((s) => s.node === 'node-b') - 1]!;
    assert.ok(gaps.some((g) => ms(g.start) === ms(lastOfFirstRun.end)), `${id} shows the failover as a gap`);
  }
});

test('a VOD playlist over both nodes\' footage plays every segment 200 through node-b; node-a\'s are proxied and byte for byte its files', async () => {
  const b = node('node-b');
  const from = ms(footage[0]!.start);
  const to = ms(footage.at(-1)!.end);
  const play = await b.json<{ hls: string; segments: number }>(`/api/channels/${CHANNEL}/play/recording?from=${from}&to=${to}`);
  assert.equal(play.segments, footage.length);
  const playlist = await (await b.api(play.hls)).text();
  const uris = playlist.split('\n').filter((l) => l.startsWith('rec/'));
  assert.equal(uris.length, footage.length);
  assert.match(playlist, /#EXT-X-DISCONTINUITY/, 'the failover gap is a discontinuity');
  const base = play.hls.replace(/vod\.m3u8.*$/, '');
  let proxied = 0;
  for (const uri of uris) {
    const startMs = Number(/rec\/(\d+)\.ts/.exec(uri)![1]);
    const segment = footage.find((s) => ms(s.start) === startMs)!;
    const res = await b.api(base + uri);
    assert.equal(res.status, 200, `${uri} (recorded on ${segment.node}): ${res.status}`);
    const body = Buffer.from(await res.arrayBuffer());
    const day = new Date(startMs).toISOString().slice(0, 10);
    const onDisk = readFileSync(join(dataDirOf(segment.node), 'recordings', CHANNEL, day, `${startMs}.ts`));
    assert.ok(body.equals(onDisk), `${uri}: ${body.length} bytes, the bytes of ${segment.node}'s file (${onDisk.length})`);
    if (segment.node === 'node-a') {
      assert.equal(res.headers.get('x-gw-served-by'), 'node-a', `${uri} came from node-a`);
      proxied++;
    } else {
      assert.equal(res.headers.get('x-gw-served-by'), null, `${uri} is node-b's own`);
    }
  }
  assert.equal(proxied, byNode(footage, 'node-a').length);
  // And a player plays it: node-a's first run (proxied), node-b's, into node-a's second run — a discontinuity at each hand-over.
  assert.equal((playlist.match(/#EXT-X-DISCONTINUITY/g) ?? []).length, 2);
  const secondRunOfA = footage.findIndex((x, i) => x.node === 'node-a' && footage[i - 1]?.node === 'node-b');
  const toSecondA = footage.slice(0, secondRunOfA).reduce((sum, x) => sum + (ms(x.end) - ms(x.start)) / 1000, 0);
  const played = await playInChromium(b, play.hls, toSecondA + 1);
  assert.ok(!played.errors.includes('fragLoadError'), `no segment request failed: ${played.errors.join(', ')}`);
});

/**
 * Plays a VOD playlist of node `n` with hls.js in Chromium until the position passes `seconds`; a fatal hls.js error fails.
 * The page is of the node's own origin (the media routes send no CORS headers), given by the browser, not by the gateway.
 */
async function playInChromium(n: ClusterNodeProcess, hls: string, seconds: number): Promise<{ t: number; errors: string[] }> {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.route(`${n.url}/__test/hls.js`, (route) => route.fulfill({ contentType: 'text/javascript', body: readFileSync(HLS_JS, 'utf8') }));
    await page.route(`${n.url}/__test/vod.html`, (route) => route.fulfill({
      contentType: 'text/html',
      body: `<video id="v" muted autoplay></video><script src="/__test/hls.js"></script><script>
        window.errors = []; const hls = new Hls();
        hls.on(Hls.Events.ERROR, (e, d) => window.errors.push(d.details + (d.fatal ? ':fatal' : '')));
        hls.loadSource(${JSON.stringify(hls)}); hls.attachMedia(document.getElementById('v')); document.getElementById('v').play();</script>`,
    }));
    await page.goto(`${n.url}/__test/vod.html`);
    return await waitFor(async () => {
      const st = await page.evaluate(() => ({ t: (document.getElementById('v') as HTMLVideoElement).currentTime, errors: (window as unknown as { errors: string[] }).errors }));
      if (st.errors.some((e) => e.endsWith(':fatal'))) throw new Error(`hls.js at ${st.t} s: ${st.errors.join(', ')}`);
      return st.t > seconds ? st : undefined;
    }, 90_000, `playback past ${seconds} s`);
  } finally {
    await browser.close();
  }
}

async function probeSeconds(file: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  return Number(stdout.trim());
}

test('an export through node-b of a range over both nodes has the footage\'s length (node-a\'s segments copied from it)', async () => {
  const b = node('node-b');
  const onA = byNode(footage, 'node-a');
  const onB = byNode(footage, 'node-b');
  // From the middle of node-a's second segment to the middle of node-b's third.
  const from = Math.round((ms(onA[1]!.start) + ms(onA[1]!.end)) / 2);
  const to = Math.round((ms(onB[2]!.start) + ms(onB[2]!.end)) / 2);
  const job = await b.json<Job>(`/api/channels/${CHANNEL}/exports`, { method: 'POST', body: JSON.stringify({ from, to }) });
  const done = await waitFor(async () => {
    const j = await b.json<Job>(`/api/exports/${job.id}`);
    if (j.state === 'failed') throw new Error(`export failed: ${j.reason}`);
    return j.state === 'done' ? j : undefined;
  }, 120_000, 'the export');
  // The MP4 is continuous footage: the failover's gap is left out, so its length is the footage in [actualFrom, to].
  const actualFrom = ms(done.actualFrom);
  const inRange = footage.reduce((sum, s) => sum + Math.max(0, Math.min(ms(s.end), to) - Math.max(ms(s.start), actualFrom)), 0) / 1000;
  const fromA = byNode(footage, 'node-a').reduce((sum, s) => sum + Math.max(0, Math.min(ms(s.end), to) - Math.max(ms(s.start), actualFrom)), 0) / 1000;
  assert.equal(done.gaps, 1, 'the failover is the gap');
  assert.ok(Math.abs(done.seconds - inRange) <= 1, `job says ${done.seconds} s; the index has ${inRange} s in the range`);
  const res = await b.api(done.download!);
  assert.equal(res.status, 200);
  // node-a's segments were copied into node-b for the job, and are gone with it.
  await waitFor(() => (readdirSync(join(dataDirOf('node-b'), 'exports-fetched')).length === 0 ? true : undefined), 10_000, 'the copies removed');
  const scratch = mkdtempSync(join(tmpdir(), 'gw-cluster-rec-'));
  try {
    const file = join(scratch, 'export.mp4');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const seconds = await probeSeconds(file);
    assert.ok(Math.abs(seconds - inRange) <= 1, `MP4 of ${seconds} s for ${inRange} s of footage in the range`);
    assert.ok(seconds > fromA + 1, `the MP4 (${seconds} s) holds more than node-a's ${fromA} s: node-b's footage is in it too`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

test('a signed-in person\'s export through node-b copies node-a\'s segments too (the copies\' media tokens name the person\'s session)', async () => {
  const b = node('node-b');
  const created = await b.json<{ user: { username: string }; temporaryPassword: string }>('/api/users', { method: 'POST', body: JSON.stringify({ username: 'export-person', displayName: '导出员', role: 'dispatcher' }) });
  const signIn = async (password: string) => {
    const res = await fetch(`${b.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: created.user.username, password }) });
    assert.equal(res.status, 200, await res.clone().text());
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('gw_session='))!.split(';')[0]!;
    const { csrfToken } = (await res.json()) as { csrfToken: string };
    return (path: string, body?: object) => fetch(`${b.url}${path}`, {
      method: body ? 'POST' : 'GET', headers: { cookie, ...(body ? { 'content-type': 'application/json', 'x-csrf-token': csrfToken } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}),
    });
  };
  const first = await signIn(created.temporaryPassword);
  assert.equal((await first('/api/auth/password', { currentPassword: created.temporaryPassword, newPassword: 'Harbour-Lantern-58' })).status, 204);
  const person = await signIn('Harbour-Lantern-58');
  const onA = byNode(footage, 'node-a');
  const from = Math.round((ms(onA[1]!.start) + ms(onA[1]!.end)) / 2);
  const to = ms(byNode(footage, 'node-b')[1]!.end);
  const submitted = await person(`/api/channels/${CHANNEL}/exports`, { from, to });
  assert.equal(submitted.status, 202, await submitted.clone().text());
  const job = (await submitted.json()) as Job;
  const done = await waitFor(async () => {
    const j = (await (await person(`/api/exports/${job.id}`)).json()) as Job;
    if (j.state === 'failed') throw new Error(`export failed: ${j.reason}`);
    return j.state === 'done' ? j : undefined;
  }, 120_000, 'the person\'s export');
  const fromA = onA.reduce((sum, seg) => sum + Math.max(0, Math.min(ms(seg.end), to) - Math.max(ms(seg.start), ms(done.actualFrom))), 0) / 1000;
  assert.ok(fromA > 1 && done.seconds > fromA, `the MP4 (${done.seconds} s) holds node-a's ${fromA} s and more`);
  const download = await person(done.download!);
  assert.equal(download.status, 200);
  assert.ok((await download.arrayBuffer()).byteLength > 0);
});

test('an incident on the channel gets its clip from node-a, the node recording it now, not from node-b, which recorded it before', async () => {
  const a = node('node-a');
  const alarmAt = Date.now() - 1000;
  const res = await a.api('/api/incidents/candidates', {
    method: 'POST', body: JSON.stringify({ source: { kind: 'detector', id: CHANNEL }, type: 'intrusion', severity: 'major', occurredAt: alarmAt, evidence: { frameTs: alarmAt } }),
  });
  assert.ok(res.status < 300, `candidate: ${res.status} ${await res.text()}`);
  type Incident = { id: string; evidence: { clips?: unknown[] }; flow: Array<{ action: string }> };
  const incident = await waitFor(async () => {
    const { items } = await a.json<{ items: Incident[] }>(`/api/incidents?sourceKind=detector&sourceId=${CHANNEL}`);
    return items.find((i) => i.evidence.clips?.length);
  }, 90_000, 'the incident\'s clip');
  const clipDir = (id: string) => join(dataDirOf(id), 'clips', incident.id);
  assert.ok(existsSync(clipDir('node-a')), 'node-a made the clip');
  // node-b hears the same incident events; give it the time it would take to make one too.
  await new Promise((r) => setTimeout(r, 8000));
  const again = await a.json<Incident>(`/api/incidents/${incident.id}`);
  assert.equal(again.flow.filter((f) => f.action === 'clip').length, 1, 'one clip record on the incident\'s flow');
  assert.ok(!existsSync(clipDir('node-b')), 'node-b made no clip');
  const triedOnB = node('node-b').gw.stdout().split('\n').filter((l) => l.includes(incident.id) && l.includes('"msg":"clip'));
  assert.deepEqual(triedOnB, [], 'node-b did not try to make a clip either');
});

test('node-a stopped: its segments are a prompt 503 naming it through node-b, node-b\'s still play; an export over node-a\'s footage fails naming it; the playlist marks them gaps and Chromium plays across them; a clip over both is node-b\'s part', async () => {
  const b = node('node-b');
  const from = ms(footage[0]!.start);
  const to = ms(footage.at(-1)!.end);
  const play = await b.json<{ hls: string }>(`/api/channels/${CHANNEL}/play/recording?from=${from}&to=${to}`);
  const base = play.hls.replace(/vod\.m3u8.*$/, '');
  await stopGracefully('node-a');
  for (const s of footage) {
    const t0 = Date.now();
    const res = await b.api(`${base}rec/${ms(s.start)}.ts`);
    const tookMs = Date.now() - t0;
    if (s.node === 'node-b') {
      assert.equal(res.status, 200, `node-b's ${s.start}`);
      await res.arrayBuffer();
      continue;
    }
    const text = await res.text();
    assert.equal(res.status, 503, `node-a's ${s.start}: ${res.status} served by ${res.headers.get('x-gw-served-by')}: ${text.slice(0, 200)}`);
    const body = JSON.parse(text) as { code: string; message: string };
    assert.equal(body.code, 'GW_ERR_UNAVAILABLE');
    assert.match(body.message, /node 'node-a'/);
    // Refused, not left hanging: well inside the proxy's own connect (2 s) + silence (5 s) timeouts.
    assert.ok(tookMs < 10_000, `answered in ${tookMs} ms`);
  }
  // From the start of the footage to its end: no keyframe to look for in node-a's files, so the job is queued, and fails naming node-a.
  const job = await b.json<Job>(`/api/channels/${CHANNEL}/exports`, { method: 'POST', body: JSON.stringify({ from: ms(footage[0]!.start), to: ms(footage.at(-1)!.end) }) });
  const failed = await waitFor(async () => {
    const j = await b.json<Job>(`/api/exports/${job.id}`);
    return j.state === 'failed' || j.state === 'done' ? j : undefined;
  }, 60_000, 'the export to end');
  assert.equal(failed.state, 'failed');
  assert.match(failed.reason ?? '', /on node 'node-a', which cannot (be reached|serve it)/);
  // An export whose first segment must be read for its keyframes (from inside it) cannot even be planned: refused at once, naming node-a.
  const inside = Math.round((ms(footage[0]!.start) + ms(footage[0]!.end)) / 2);
  const res = await b.api(`/api/channels/${CHANNEL}/exports`, { method: 'POST', body: JSON.stringify({ from: inside, to: ms(footage.at(-1)!.end) }) });
  const body = (await res.json()) as { code: string; message: string };
  assert.equal(res.status, 503, JSON.stringify(body));
  assert.match(body.message, /node 'node-a'/);

  // node-b takes the channel again and records on. Once node-a's heartbeat is stale, node-b's playlist from its first
  // footage to its newest marks node-a's second run in between EXT-X-GAP (listed, in place; node-a's first run, before
  // the start, is left out), and hls.js in Chromium plays across the gap into node-b's new footage, without an error.
  const lastA = ms(footage.at(-1)!.end);
  const listed = await waitFor(async () => {
    const { segments } = await recordingsOn('node-b');
    return byNode(segments, 'node-b').filter((x) => ms(x.start) >= lastA).length >= 3 ? segments : undefined;
  }, 90_000, 'node-b records again');
  const firstB = byNode(footage, 'node-b');
  const newer = byNode(listed, 'node-b').filter((x) => ms(x.start) >= lastA);
  const vod = await b.json<{ hls: string; segments: number }>(`/api/channels/${CHANNEL}/play/recording?from=${ms(firstB[0]!.start)}&to=${ms(newer.at(-1)!.end)}`);
  // node-a's second run: all it recorded until it was killed (more than the footage listed before the tests).
  const secondA = listed.filter((x) => x.node === 'node-a' && ms(x.start) > ms(firstB[0]!.start));
  const text = await (await b.api(vod.hls)).text();
  assert.equal((text.match(/#EXT-X-GAP/g) ?? []).length, secondA.length, text);
  assert.equal(vod.segments, firstB.length + secondA.length + newer.length);
  // Where node-b's new footage starts on the player's timeline: the media before it (the wall-clock gaps are not on it).
  const beforeNewer = [...firstB, ...secondA].reduce((sum, x) => sum + (ms(x.end) - ms(x.start)) / 1000, 0);
  const played = await playInChromium(b, vod.hls, beforeNewer + 1);
  assert.ok(!played.errors.includes('fragLoadError'), `no segment request failed: ${played.errors.join(', ')}`);

  // An incident just after the failover: its pre-roll reaches into node-a's footage, which node-b cannot read; node-b
  // (recording now) makes the clip of its own part.
  const alarmAt = ms(newer[0]!.start) + 1000;
  const raised = await b.api('/api/incidents/candidates', {
    method: 'POST', body: JSON.stringify({ source: { kind: 'detector', id: CHANNEL }, type: 'loitering', severity: 'minor', occurredAt: alarmAt, evidence: { frameTs: alarmAt } }),
  });
  assert.ok(raised.status < 300, `candidate: ${raised.status} ${await raised.text()}`);
  type Clip = { from: string; to: string; durationSeconds: number };
  type Incident = { id: string; type: string; evidence: { clips?: Clip[] } };
  const incident = await waitFor(async () => {
    const { items } = await b.json<{ items: Incident[] }>(`/api/incidents?sourceKind=detector&sourceId=${CHANNEL}&type=loitering`);
    return items.find((i) => i.evidence.clips?.length);
  }, 90_000, 'the clip of the incident after the failover');
  const clip = incident.evidence.clips![0]!;
  assert.ok(existsSync(join(dataDirOf('node-b'), 'clips', incident.id)), 'node-b made it');
  assert.ok(ms(clip.from) >= ms(newer[0]!.start) - 1, `the clip (${clip.from}) starts with node-b's footage (${newer[0]!.start})`);
  assert.ok(clip.durationSeconds > 2, `clip of ${clip.durationSeconds} s`);
});
