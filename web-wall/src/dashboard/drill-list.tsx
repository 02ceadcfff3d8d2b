// The drill-down under the charts: the incidents an item counted (the same
// filter the gateway counted with, so the list's total is the figure), the
// devices of a kind or cell with their live status, or one device (a row of
// the longest offline) with, for a camera, the way to the wall.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, apiAll } from '../api/client.ts';
import type { Channel, Incident, Sensor } from '../api/types.ts';
import { formatTime, label, t } from '../i18n/index.ts';
import { bringToWall } from '../map/linkage.ts';
import { go } from '../router.ts';
import { me, viewsFor } from '../session.ts';

export type Drill =
  | { kind: 'incidents'; what: string; query: string | undefined }
  | { kind: 'devices'; what: string; by: 'kind' | 'grid'; key: string }
  | { kind: 'device'; what: string; entity: 'channels' | 'sensors'; id: string };

/** The list is capped at 500 rows; the total is the gateway's count. */
const LIMIT = 500;

function IncidentRows({ query }: { query: string }) {
  const [page, setPage] = useState<{ items: Incident[]; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setPage(null);
    api<{ items: Incident[]; total: number }>(`/api/incidents?${query}&order=newest&limit=${LIMIT}&offset=0`).then(setPage, (e: Error) => setError(e.message));
  }, [query]);
  if (error) return <p class="error">{t('common.error', { message: error })}</p>;
  if (!page) return <p>{t('common.loading')}</p>;
  return (
    <>
      <p data-testid="drill-total" data-total={page.total}>{t('dash.drill.count', { n: page.total })}</p>
      <table class="drill-table" data-testid="drill-incidents">
        <tbody>
          {page.items.map((i) => (
            <tr key={i.id} data-testid="drill-row" data-id={i.id}>
              <td><a href={`#/dispatch/${i.id}`}>{i.code}</a></td>
              <td>{label('type', i.type)}</td>
              <td><span class={`badge ${i.severity}`}>{label('severity', i.severity)}</span></td>
              <td>{i.gridCode ?? '—'}</td>
              <td>{label('status', i.status)}</td>
              <td>{formatTime(i.createdAt, true)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

interface DeviceRow { id: string; name: string; kind: string; gridCode: string | null; state: string; reason: string | null }

/** Puts a camera into a wall tile (an empty one first, as alarm linkage does) and opens the wall. */
function showOnWall(d: DeviceRow): void {
  bringToWall([{ id: d.id, name: d.name, gridCode: d.gridCode, distanceMeters: 0, status: d.state }]);
  go('wall');
}

function DeviceRows({ by, value }: { by: 'kind' | 'grid' | 'id'; value: string }) {
  const [rows, setRows] = useState<DeviceRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setRows(null);
    Promise.all([apiAll<Channel>('/api/channels'), apiAll<Sensor>('/api/sensors')]).then(([channels, sensors]) => {
      const all: DeviceRow[] = [
        ...channels.filter((c) => c.enabled).map((c) => ({ id: c.id, name: c.name, kind: 'camera', gridCode: c.gridCode ?? null, state: c.status.state, reason: c.status.reason ?? null })),
        ...sensors.filter((s) => s.enabled).map((s) => ({ id: s.id, name: s.name, kind: s.kind, gridCode: s.gridCode ?? null, state: s.status.state, reason: s.status.reason ?? null })),
      ];
      setRows(all.filter((d) => (by === 'id' ? d.id === value : by === 'kind' ? d.kind === value : (d.gridCode ?? '(none)') === value)));
    }, (e: Error) => setError(e.message));
  }, [by, value]);
  if (error) return <p class="error">{t('common.error', { message: error })}</p>;
  if (!rows) return <p>{t('common.loading')}</p>;
  const wallOpen = viewsFor(me.value!.role).includes('wall');
  return (
    <table class="drill-table" data-testid="drill-devices" data-total={rows.length}>
      <tbody>
        {rows.map((d) => (
          <tr key={d.id} data-testid="drill-device" data-id={d.id}>
            <td>{d.name}</td><td>{d.kind === 'camera' ? t('dash.camera') : d.kind}</td><td>{d.gridCode ?? '—'}</td>
            <td class={`state ${d.state}`}>{t(`state.${d.state}`)}{d.reason && d.state !== 'online' ? ` · ${label('reason', d.reason)}` : ''}</td>
            {wallOpen && <td>{d.kind === 'camera' && <button class="link no-print" data-testid="drill-to-wall" onClick={() => showOnWall(d)}>{t('dash.drill.toWall')}</button>}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function DrillList({ drill, onClose }: { drill: Drill; onClose: () => void }) {
  const el = useRef<HTMLElement>(null);
  // The list opens above the charts: bring it into view from the figure clicked far below.
  useEffect(() => el.current?.scrollIntoView({ block: 'start' }), [drill]);
  return (
    <section class="drill" data-testid="drill" ref={el}>
      <header>
        <h3>{t('dash.drill.title', { what: drill.what })}</h3>
        <button class="no-print" onClick={onClose}>{t('dash.drill.close')}</button>
      </header>
      {drill.kind === 'devices' || drill.kind === 'device'
        ? <DeviceRows by={drill.kind === 'device' ? 'id' : drill.by} value={drill.kind === 'device' ? drill.id : drill.key} />
        : drill.query === undefined ? <p>{t('dash.drill.none')}</p> : <IncidentRows key={drill.query} query={drill.query} />}
    </section>
  );
}
