// A download of a recording kept on a GB28181 device is an export job (the
// recording export's list, files, download route, retention, audit and
// roles): the job's plan names the source `device`, and its runner here opens
// an INVITE s=Download (history-sessions.ts), keeps the frames as MPEG-PS,
// and when the device says end of file (MediaStatus 121) remuxes them to MP4
// (ffmpeg -c copy, +faststart). Progress is the frames' PTS over the range. A
// cancel ends the session with a BYE; a device that drops fails the job with
// the session's reason; the PS is removed either way.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { Logger } from 'pino';
import { GwError, type Actor, type RegistryService } from '../../../device-registry/index.ts';
import { ExportFailure, type Exporter, type ExportSourceRun } from '../../recording/export/exporter.ts';
import type { ExportPlan } from '../../recording/export/plan.ts';
import { jobView, ownerOf } from '../../recording/http/export-routes.ts';
import { RelayError } from '../relay.ts';
import { END_OF_FILE, type HistorySession, type HistorySessions } from './history-sessions.ts';

export const DEVICE_EXPORT = 'device';
const REMUX_TIMEOUT_MS = 10 * 60_000;

/** The stored plan of a device download: no segments, the asked range, the download speed. */
export function devicePlan(from: number, to: number, downloadSpeed: number): ExportPlan {
  return { entries: [], actualFrom: from, actualTo: to, seconds: (to - from) / 1000, gaps: 0, source: { kind: DEVICE_EXPORT, options: { downloadSpeed } } };
}

/** How far the download is: media seconds received (PTS since the first frame, 90 kHz) over the range's seconds. */
export function downloadProgress(firstPts: number, pts: number, rangeSeconds: number): number {
  if (!(rangeSeconds > 0)) return 0;
  return Math.max(0, Math.min(1, (pts - firstPts) / 90_000 / rangeSeconds));
}

/** The runner of `device` exports, for the exporter. */
export function deviceExportRun(history: HistorySessions, deps: { ffmpegPath: () => string; log: Logger }): ExportSourceRun {
  return async (job, out) => {
    const log = deps.log.child({ exportId: job.id, channelId: job.channelId });
    const downloadSpeed = Number(job.plan.source?.options?.downloadSpeed ?? 4);
    let session: HistorySession;
    try {
      session = await history.open(job.channelId, { from: job.from, to: job.to, mode: 'Download', downloadSpeed });
    } catch (err) {
      if (err instanceof RelayError || err instanceof GwError) throw new ExportFailure(`the device did not start the download: ${err.message}`);
      throw err;
    }
    try {
      const rangeSeconds = (job.to - job.from) / 1000;
      let firstPts: number | undefined;
      session.live.frameTaps.push((f) => {
        if (f.pts === undefined) return;
        firstPts ??= f.pts;
        out.progress(downloadProgress(firstPts, f.pts, rangeSeconds) * 0.95);
      });
      const why = await ended(session, out.signal, (reason) => history.close(session, reason));
      // The PS is closed (flushed) before ffmpeg reads it.
      await session.finishFile(why === END_OF_FILE);
      out.signal.throwIfAborted();
      if (why !== END_OF_FILE) throw new ExportFailure(`the device download ended before the end of the range: ${why}`);
      if (!session.live.frames) throw new ExportFailure('the device sent no video for the range');
      await remux(deps.ffmpegPath(), session.file!, out.file, out.signal);
      log.info({ session: session.id, frames: session.live.frames, downloadSpeed }, 'GB28181 device download exported');
    } finally {
      if (session.state !== 'ended') history.close(session, 'export ended');
      await session.finishFile(session.fileComplete);
      if (session.file) rmSync(session.file, { force: true });
    }
  };
}

/** Why the session ended; an abort (cancel, the gateway stopping) closes it first (BYE) with the abort's reason. */
function ended(session: HistorySession, signal: AbortSignal, close: (why: string) => void): Promise<string> {
  if (session.endedWhy) return Promise.resolve(session.endedWhy);
  return new Promise((resolve) => {
    const onAbort = () => close(signal.reason instanceof Error ? signal.reason.message : 'cancelled');
    session.live.onClosed((why) => {
      signal.removeEventListener('abort', onAbort);
      resolve(why);
    });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The PS into an MP4 without re-encoding; `out` is a temporary name (hence -f mp4). */
function remux(ffmpegPath: string, ps: string, out: string, signal: AbortSignal): Promise<void> {
  const child = spawn(ffmpegPath, ['-hide_banner', '-nostdin', '-v', 'error', '-i', ps, '-map', '0:v', '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', '-y', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let stderr = '';
    const kill = () => child.kill('SIGKILL');
    const timer = setTimeout(kill, REMUX_TIMEOUT_MS);
    signal.addEventListener('abort', kill, { once: true });
    child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-1000)));
    const done = (err?: Error) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', kill);
      if (err) reject(err);
      else resolve();
    };
    child.once('error', (err) => done(err));
    child.once('close', (code, sig) => done(code === 0 ? undefined : new ExportFailure(`ffmpeg could not write the MP4 of the device's recording (exit ${code ?? sig}): ${stderr.trim().split('\n').at(-1) ?? ''}`.trim())));
  });
}

/** `POST /api/channels/:id/device-downloads`: queues the export job and audits it as the recording export does. */
export class DeviceDownloads {
  constructor(private readonly d: { exporter: Exporter; registry: RegistryService; history: HistorySessions; online: (deviceId: string) => boolean; log: Logger }) {}

  async submit(actor: Actor, channelId: string, r: { from: number; to: number; downloadSpeed: number }) {
    // A device that is not registered is told at once, rather than as a job that fails.
    const { deviceId } = await this.d.history.channel(channelId);
    if (!this.d.online(deviceId)) throw new GwError('GW_ERR_UNAVAILABLE', `device ${deviceId} is not registered (device offline)`, 'id');
    const row = await this.d.registry.getStored('channels', channelId);
    const job = await this.d.exporter.submitFor(ownerOf(actor), { channelId, channelName: String(row?.doc.name ?? channelId), from: r.from, to: r.to, plan: devicePlan(r.from, r.to, r.downloadSpeed) });
    const iso = (ms: number) => new Date(ms).toISOString();
    await this.d.registry.store.apply([], [{
      actor, action: 'create', entity: 'recording_exports', entityId: job.id, before: null,
      after: { channelId, kind: DEVICE_EXPORT, from: iso(r.from), to: iso(r.to), actualFrom: iso(r.from), actualTo: iso(r.to), downloadSpeed: r.downloadSpeed },
    }]);
    this.d.log.info({ exportId: job.id, channelId, from: iso(r.from), to: iso(r.to), by: actor.name }, 'GB28181 device download asked');
    return jobView(job, actor.role === 'admin');
  }
}
