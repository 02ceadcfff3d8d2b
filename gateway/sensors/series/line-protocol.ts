// InfluxDB line protocol for readings: `measurement,tag=v,… value=1.5 <ms>`,
// tags sorted by key (what the server stores anyway, and cheaper for it).
import type { Reading } from '../ingest/payload.ts';
import type { SeriesTags } from './sink.ts';

const escMeasurement = (s: string) => s.replace(/[\\, ]/g, (c) => `\\${c}`).replace(/\n/g, '\\n');
const escTag = (s: string) => s.replace(/[\\,= ]/g, (c) => `\\${c}`).replace(/\n/g, '\\n');

export function toLines(measurement: string, tags: SeriesTags, readings: Reading[]): string[] {
  const fixed: Array<[string, string]> = [['kind', tags.kind], ['sensor', tags.sensorId]];
  if (tags.gridCode) fixed.push(['grid', tags.gridCode]);
  const m = escMeasurement(measurement);
  return readings.map((r) => {
    const all = [...fixed, ['metric', r.metric], ...(r.unit ? [['unit', r.unit]] : [])] as Array<[string, string]>;
    all.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    return `${m},${all.map(([k, v]) => `${k}=${escTag(v)}`).join(',')} value=${r.value} ${Math.round(r.ts)}`;
  });
}
