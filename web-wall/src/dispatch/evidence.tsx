// What an incident was raised on: its clips (to download; they play above),
// the snapshots (API paths that need a URL
// token, as <img> cannot send a header), the detections with their scores,
// and sensor readings as a table with a small line per metric.
import { withUrlToken } from '../api/url-token.ts';
import type { Incident } from '../api/types.ts';
import { formatTime, label, t } from '../i18n/index.ts';
import { unitText } from '../i18n/vocabulary.ts';

type Evidence = NonNullable<Incident['evidence']>;
type Reading = NonNullable<Evidence['readings']>[number];

function Snapshots({ paths }: { paths: string[] }) {
  return (
    <div class="snapshots" data-testid="snapshots">
      {paths.map((p) => (
        <a key={p} href={withUrlToken(p)} target="_blank" rel="noreferrer"><img src={withUrlToken(p)} alt={t('dispatch.snapshots')} loading="lazy" /></a>
      ))}
    </div>
  );
}

function Detections({ detections }: { detections: NonNullable<Evidence['detections']> }) {
  return (
    <table class="compact" data-testid="detections">
      <thead><tr><th>{t('dispatch.label')}</th><th>{t('dispatch.score')}</th></tr></thead>
      <tbody>
        {detections.map((d, n) => <tr key={n}><td>{label('object', d.label)}{d.trackId !== undefined ? ` #${d.trackId}` : ''}</td><td>{(d.score * 100).toFixed(0)} %</td></tr>)}
      </tbody>
    </table>
  );
}

/** The table lists the newest readings; the lines above show them all. */
const READING_ROWS = 12;
const SPARK_W = 160;
const SPARK_H = 32;

/** A line through one metric's readings, scaled to its own range. */
function Sparkline({ readings }: { readings: Reading[] }) {
  if (readings.length < 2) return null;
  const values = readings.map((r) => r.value);
  const times = readings.map((r) => r.ts);
  const [vMin, vMax, tMin, tMax] = [Math.min(...values), Math.max(...values), Math.min(...times), Math.max(...times)];
  const x = (ts: number) => (tMax === tMin ? 0 : ((ts - tMin) / (tMax - tMin)) * (SPARK_W - 4) + 2);
  const y = (v: number) => (vMax === vMin ? SPARK_H / 2 : SPARK_H - 2 - ((v - vMin) / (vMax - vMin)) * (SPARK_H - 4));
  const points = readings.map((r) => `${x(r.ts).toFixed(1)},${y(r.value).toFixed(1)}`).join(' ');
  return (
    <svg class="sparkline" width={SPARK_W} height={SPARK_H} viewBox={`0 0 ${SPARK_W} ${SPARK_H}`} role="img" aria-label={`${readings[0]!.metric} ${vMin}–${vMax}`}>
      <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" />
    </svg>
  );
}

function Readings({ readings }: { readings: Reading[] }) {
  const byMetric = new Map<string, Reading[]>();
  for (const r of readings) byMetric.set(r.metric, [...(byMetric.get(r.metric) ?? []), r]);
  const latest = [...readings].sort((a, b) => b.ts - a.ts).slice(0, READING_ROWS);
  return (
    <div data-testid="readings">
      {[...byMetric.entries()].map(([metric, rs]) => (
        <div key={metric} class="spark-row"><span class="muted">{label('metric', metric)}</span><Sparkline readings={[...rs].sort((a, b) => a.ts - b.ts)} /></div>
      ))}
      <table class="compact">
        <thead><tr><th>{t('dispatch.time')}</th><th>{t('dispatch.metric')}</th><th>{t('dispatch.value')}</th></tr></thead>
        <tbody>
          {latest.map((r, n) => <tr key={n}><td>{formatTime(r.ts)}</td><td>{label('metric', r.metric)}</td><td>{r.value}{r.unit ? ` ${unitText(r.unit)}` : ''}</td></tr>)}
        </tbody>
      </table>
      {readings.length > latest.length && <p class="muted">{t('dispatch.moreReadings', { n: readings.length - latest.length })}</p>}
    </div>
  );
}

export function EvidenceSection({ evidence }: { evidence: Incident['evidence'] }) {
  const snapshots = evidence?.snapshots ?? [];
  const detections = evidence?.detections ?? [];
  const readings = evidence?.readings ?? [];
  const clips = evidence?.clips ?? [];
  const empty = snapshots.length === 0 && detections.length === 0 && readings.length === 0 && clips.length === 0;
  return (
    <section class="detail-section" data-testid="evidence">
      <h3>{t('dispatch.evidence')}</h3>
      {empty && <p class="muted">{t('dispatch.noEvidence')}</p>}
      {clips.length > 0 && (
        <ul class="clip-links" data-testid="evidence-clips">
          {clips.map((c) => <li key={c.url}><a href={withUrlToken(c.url)} download>{t('dispatch.clipDownload', { from: formatTime(c.from), seconds: Math.round(c.durationSeconds) })}</a></li>)}
        </ul>
      )}
      {snapshots.length > 0 && <Snapshots paths={snapshots} />}
      {detections.length > 0 && <><h4>{t('dispatch.detections')}</h4><Detections detections={detections} /></>}
      {readings.length > 0 && <><h4>{t('dispatch.readings')}</h4><Readings readings={readings} /></>}
    </section>
  );
}
