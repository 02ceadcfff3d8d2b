// The 24-hour timeline of the selected tile's camera, below the wall: recorded
// ranges, gaps and incident markers (the holds incidents put on its footage)
// for a day; click or drag to seek (the tile switches to playback); a day
// picker for earlier days, a zoom to 1 h / 10 min around the playhead, the
// transport (transport.tsx: pause, jumps, frame steps, speeds), synchronous
// playback and the export button.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { formatTime, label, t } from '../i18n/index.ts';
import { tileCount } from '../wall/layouts.ts';
import { selectedTile, wall } from '../wall/wall-state.ts';
import { ExportButton } from './export-button.tsx';
import { deviceTiles, MAX_SYNC_TILES, playbackTiles, playheads, seekTile, setPaused, setSpeed, startDevicePlayback, syncOn } from './playback-state.ts';
import { setSync } from './sync.ts';
import { Transport } from './transport.tsx';
import './playback.css';
import './text.ts';

const DAY_MS = 86_400_000;
const REFRESH_MS = 10_000;
/** Segments closer than this are one recorded range (the API's gap threshold). */
const JOIN_MS = 1500;
const ZOOMS = { day: DAY_MS, hour: 3_600_000, tenMinutes: 600_000 } as const;
type Zoom = keyof typeof ZOOMS;
/** How much of a zoomed view may lie after now. */
const FUTURE_SHOWN = 0.05;

interface Recordings {
  segments: Array<{ start: string; end: string }>;
  gaps: Array<{ start: string; end: string }>;
  holds: Array<{ from: string; to: string; incidentId: string; reason: string | null }>;
}
type Span = { start: number; end: number };

const localDay = (ms: number) => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};
const dayStartOf = (day: string) => {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y!, m! - 1, d!).getTime();
};

/** Consecutive segments as recorded ranges (a day of 2 s segments would be 43,200 boxes). */
export function joinSegments(segments: Recordings['segments']): Span[] {
  const out: Span[] = [];
  for (const s of segments) {
    const start = Date.parse(s.start);
    const end = Date.parse(s.end);
    const last = out.at(-1);
    if (last && start - last.end <= JOIN_MS) last.end = Math.max(last.end, end);
    else out.push({ start, end });
  }
  return out;
}

function useRecordings(channelId: string | null, from: number, to: number): Recordings | null {
  const [data, setData] = useState<Recordings | null>(null);
  useEffect(() => {
    setData(null);
    if (!channelId) return;
    let current = true;
    const load = () => {
      const until = Math.min(to, Date.now());
      if (until <= from) return setData({ segments: [], gaps: [], holds: [] });
      api<Recordings>(`/api/channels/${encodeURIComponent(channelId)}/recordings?from=${from}&to=${until}`)
        .then((r) => current && setData(r), () => undefined);
    };
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => { current = false; clearInterval(timer); };
  }, [channelId, from, to]);
  return data;
}

/**
 * Ranges kept on a GB28181 device for the day (RecordInfo): asked once per
 * channel and day, not refreshed (each asks the device); other channels answer
 * 400 and show none.
 */
function useDeviceRanges(channelId: string | null, from: number, to: number): Span[] {
  const [ranges, setRanges] = useState<Span[]>([]);
  useEffect(() => {
    setRanges([]);
    if (!channelId) return;
    let current = true;
    const until = Math.min(to, Date.now());
    if (until <= from) return;
    api<{ items: Array<{ start: string; end: string }> }>(`/api/channels/${encodeURIComponent(channelId)}/device-recordings?from=${new Date(from).toISOString()}&to=${new Date(until).toISOString()}`)
      .then((r) => current && setRanges(r.items.map((i) => ({ start: Date.parse(i.start), end: Date.parse(i.end) }))), () => undefined);
    return () => { current = false; };
  }, [channelId, from, to]);
  return ranges;
}

/**
 * A click on a device-kept range: the tile plays it from the device (a new playback session), or, when the tile
 * plays that range already, the device seeks to the time clicked.
 */
function playOnDevice(index: number, channelId: string, r: Span, at: number): void {
  const playing = deviceTiles.value.get(index);
  if (playing?.channelId === channelId && playing.from === r.start && playing.to === r.end) return seekTile(index, channelId, at);
  if (playbackTiles.value.size === 0) setSpeed(1);
  setPaused(false);
  startDevicePlayback(index, { channelId, from: r.start, to: r.end });
}

function tickStep(span: number): number {
  if (span > 6 * 3_600_000) return 2 * 3_600_000;
  if (span > 30 * 60_000) return 10 * 60_000;
  return 60_000;
}

export function Timeline() {
  const index = selectedTile.value;
  const channelId = wall.value.tiles[index] ?? null;
  const [day, setDay] = useState(localDay(Date.now()));
  const [zoom, setZoom] = useState<Zoom>('day');
  const dayStart = dayStartOf(day);
  const dayEnd = dayStart + DAY_MS;
  const data = useRecordings(channelId, dayStart, dayEnd);
  const deviceRanges = useDeviceRanges(channelId, dayStart, dayEnd);
  const playhead = playheads.value.get(index) ?? null;
  const span = ZOOMS[zoom];
  const centre = playhead ?? Math.min(Date.now(), dayEnd);
  // Zoomed in, the view centres the playhead but shows little of the future (nothing is recorded there yet).
  const viewFrom = zoom === 'day' ? dayStart : Math.max(Math.min(centre - span / 2, dayEnd - span, Date.now() + span * FUTURE_SHOWN - span), dayStart);
  const viewTo = viewFrom + span;
  const syncable = tileCount(wall.value.layout) <= MAX_SYNC_TILES;

  if (!channelId) return <div class="timeline muted" data-testid="timeline">{t('playback.pickCamera')}</div>;
  const seek = (at: number) => seekTile(index, channelId, Math.min(at, Date.now() - 2000));
  return (
    <div class="timeline" data-testid="timeline" data-channel={channelId}>
      <div class="timeline-controls">
        <strong>{t('playback.timeline')}</strong>
        <label>{t('playback.day')} <input type="date" data-testid="timeline-day" value={day} max={localDay(Date.now())} onChange={(e) => e.currentTarget.value && setDay(e.currentTarget.value)} /></label>
        <span class="group" role="group" aria-label={t('playback.zoom')}>
          {(Object.keys(ZOOMS) as Zoom[]).map((z) => <button type="button" key={z} data-zoom={z} class={zoom === z ? 'active' : ''} onClick={() => setZoom(z)}>{t(`playback.zoom.${z}`)}</button>)}
        </span>
        <Transport index={index} channelId={channelId} playhead={playhead} onSeek={seek} />
        <label class="inline" title={t('playback.syncTitle')}>
          <input type="checkbox" data-testid="sync" disabled={!syncable} checked={syncOn.value}
            onChange={(e) => setSync(e.currentTarget.checked, wall.value.tiles.slice(0, tileCount(wall.value.layout)), playhead ?? Date.now() - 60_000)} /> {t('playback.sync')}
        </label>
        <span class="playhead-time" data-testid="timeline-playhead">{playhead ? formatTime(playhead, true) : ''}</span>
        <ExportButton channelId={channelId} playhead={playhead} />
      </div>
      <TimelineBar data={data} deviceRanges={deviceRanges} from={viewFrom} to={viewTo} playhead={playhead} onSeek={seek} onDevicePlay={(r, at) => playOnDevice(index, channelId, r, at)} />
      <Ticks from={viewFrom} to={viewTo} />
    </div>
  );
}

function TimelineBar({ data, deviceRanges, from, to, playhead, onSeek, onDevicePlay }: {
  data: Recordings | null; deviceRanges: Span[]; from: number; to: number; playhead: number | null; onSeek: (at: number) => void; onDevicePlay: (r: Span, at: number) => void;
}) {
  const bar = useRef<HTMLDivElement>(null);
  const [preview, setPreview] = useState<number | null>(null);
  const span = to - from;
  const pct = (ms: number) => `${(((Math.min(Math.max(ms, from), to) - from) / span) * 100).toFixed(3)}%`;
  const width = (a: number, b: number) => `${((Math.max(0, Math.min(b, to) - Math.max(a, from)) / span) * 100).toFixed(3)}%`;
  const timeAt = (clientX: number) => {
    const box = bar.current!.getBoundingClientRect();
    return from + Math.min(Math.max((clientX - box.left) / box.width, 0), 1) * span;
  };
  const visible = (s: Span) => s.end > from && s.start < to;
  const ranges = data ? joinSegments(data.segments).filter(visible) : [];
  const gaps = data ? data.gaps.map((g) => ({ start: Date.parse(g.start), end: Date.parse(g.end) })).filter(visible) : [];
  const holds = data ? data.holds.map((h) => ({ ...h, start: Date.parse(h.from), end: Date.parse(h.to) })).filter(visible) : [];
  return (
    <div ref={bar} class="timeline-bar" data-testid="timeline-bar" data-from={from} data-to={to}
      onPointerDown={(e) => { bar.current?.setPointerCapture(e.pointerId); setPreview(timeAt(e.clientX)); }}
      onPointerMove={(e) => preview !== null && setPreview(timeAt(e.clientX))}
      onPointerUp={(e) => { if (preview === null) return; setPreview(null); onSeek(timeAt(e.clientX)); }}
      title={preview ? formatTime(preview, true) : undefined}>
      {ranges.map((r) => <div key={r.start} class="seg" data-testid="timeline-range" data-start={r.start} data-end={r.end} style={{ left: pct(r.start), width: width(r.start, r.end) }} title={`${t('playback.recorded')} ${formatTime(r.start)} – ${formatTime(r.end)}`} />)}
      {deviceRanges.filter(visible).map((r) => (
        <div key={`device-${r.start}`} class="device-seg" data-testid="timeline-device-range" data-kept="device" data-start={r.start} data-end={r.end}
          style={{ left: pct(r.start), width: width(r.start, r.end) }} title={`${t('playback.deviceKept')} ${formatTime(r.start)} – ${formatTime(r.end)}`}
          onPointerDown={(e) => e.stopPropagation()} onClick={(e) => { e.stopPropagation(); onDevicePlay(r, timeAt(e.clientX)); }} />
      ))}
      {gaps.map((g) => <div key={g.start} class="gap" data-testid="timeline-gap" data-start={g.start} data-end={g.end} style={{ left: pct(g.start), width: width(g.start, g.end) }} title={`${t('playback.gap')} ${formatTime(g.start)} – ${formatTime(g.end)}`} />)}
      {holds.map((h) => <div key={`${h.incidentId}-hold`} class="hold" style={{ left: pct(h.start), width: width(h.start, h.end) }} />)}
      {holds.map((h) => (
        <button type="button" key={h.incidentId} class="marker" data-testid="timeline-marker" data-incident={h.incidentId} data-start={h.start} style={{ left: pct(h.start) }}
          title={`${t('playback.incident', { reason: h.reason ? label('type', h.reason) : '' })} ${formatTime(h.start)}`}
          onPointerDown={(e) => e.stopPropagation()} onClick={(e) => { e.stopPropagation(); onSeek(h.start); }} />
      ))}
      {playhead !== null && playhead >= from && playhead <= to && <div class="playhead" data-testid="timeline-playhead-mark" style={{ left: pct(playhead) }} />}
      {preview !== null && <div class="preview" style={{ left: pct(preview) }} />}
    </div>
  );
}

function Ticks({ from, to }: { from: number; to: number }) {
  const step = tickStep(to - from);
  const ticks: number[] = [];
  for (let at = Math.ceil(from / step) * step; at <= to; at += step) ticks.push(at);
  const hm = (ms: number) => formatTime(ms).slice(0, 5);
  return <div class="timeline-ticks">{ticks.map((at) => <span key={at} style={{ left: `${((at - from) / (to - from)) * 100}%` }}>{hm(at)}</span>)}</div>;
}
