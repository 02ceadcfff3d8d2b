// Control of a device playback (GB/T 28181-2016 §9.8): SIP INFO in the
// playback dialog with an RTSP-syntax body (Application/MANSRTSP): PLAY with
// Range (seek, npt seconds from the recording's start), PAUSE, PLAY with Scale
// (speed), PLAY alone (resume).
export const MANSRTSP = 'Application/MANSRTSP';

export type PlaybackControl =
  | { action: 'seek'; seconds: number }
  | { action: 'pause' }
  | { action: 'resume' }
  | { action: 'speed'; scale: number };

/** Speeds devices accept. */
export const SCALES = [0.25, 0.5, 1, 2, 4] as const;

export function buildMansrtsp(c: PlaybackControl, cseq: number): string {
  const head = [`${c.action === 'pause' ? 'PAUSE' : 'PLAY'} RTSP/1.0`, `CSeq: ${cseq}`];
  if (c.action === 'seek') head.push(`Range: npt=${Math.max(0, Math.floor(c.seconds))}-`);
  else if (c.action === 'pause') head.push('PauseTime: now');
  else if (c.action === 'speed') head.push(`Scale: ${c.scale.toFixed(2).replace(/0$/, '')}`);
  else head.push('Range: npt=now-');
  return `${head.join('\r\n')}\r\n\r\n`;
}

/** The device side (simulator): what a MANSRTSP body asks; undefined when unreadable. */
export function parseMansrtsp(body: string): PlaybackControl | undefined {
  const lines = body.split(/\r?\n/);
  const method = /^(PLAY|PAUSE) RTSP\/1\.0$/.exec(lines[0]?.trim() ?? '')?.[1];
  if (!method) return undefined;
  if (method === 'PAUSE') return { action: 'pause' };
  const header = (name: string) => lines.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))?.slice(name.length + 1).trim();
  const scale = header('Scale');
  if (scale !== undefined && Number(scale) > 0) return { action: 'speed', scale: Number(scale) };
  const range = /^npt=(\d+(?:\.\d+)?)-/.exec(header('Range') ?? '');
  if (range) return { action: 'seek', seconds: Number(range[1]) };
  return { action: 'resume' };
}
