// A demo-like city for the scope (分级分权) tests: a district with two streets,
// each with a community and a grid cell, and in each street a camera, a GB28181
// device with a channel, a sensor, a department and an incident; API keys of
// each non-admin role scoped to street A.
import assert from 'node:assert/strict';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import sharp from 'sharp';
import type { Role } from '../../device-registry/index.ts';
import { square, type TestGateway } from './gateway.ts';

export type Side = 'a' | 'b' | 'none';

/** The ids a route is called with: street A's, street B's, or ones that exist nowhere ('none'). */
export interface SideIds {
  channel: string;
  gbChannel: string;
  sensor: string;
  grid: string;
  street: string;
  gbDevice: string;
  incident: string;
  dept: string;
  /** An id nothing has yet, for creates. */
  fresh: string;
  freshGb: string;
  /** A snapshot saved to the street's incident (its URL). */
  snapshot: string;
}

const GB = (n: number) => `340200000011100000${String(n).padStart(2, '0')}`;

export function idsOf(side: Side, incidents: Partial<Record<Side, string>>, snapshots: Partial<Record<Side, string>> = {}): SideIds {
  const n = { a: 1, b: 2, none: 9 }[side];
  return {
    channel: `cam-${side}`, gbChannel: `gbcam-${side}`, sensor: `sen-${side}`, grid: `cell-${side}`, street: `street-${side}`,
    gbDevice: GB(n), incident: incidents[side] ?? '00000000-0000-4000-8000-000000000999', dept: `dept-${side}`,
    fresh: `new-${side}`, freshGb: GB(10 + n),
    snapshot: snapshots[side] ?? '/api/snapshots/20260101/00000000-0000-4000-8000-000000000009.jpg',
  };
}

/** What must never show to street A: everything that names street B's things. */
export function streetBMarkers(ids: SideIds): string[] {
  return [ids.channel, ids.gbChannel, ids.sensor, ids.grid, ids.street, `comm-b`, ids.gbDevice, ids.incident, ids.fresh, ids.freshGb, ids.snapshot];
}

export interface City {
  ids: Record<Side, SideIds>;
  /** Keys scoped to street A, by role. */
  scoped: Record<Exclude<Role, 'admin'>, string>;
  call(key: string, opts: InjectOptions): Promise<LightMyRequestResponse>;
  /** Raises an incident in a street's cell through the door (as admin), returning its id (a repeat of an open one's type is that one). */
  raise(side: 'a' | 'b', severity?: string, type?: string): Promise<string>;
}

export async function buildCity(t: TestGateway): Promise<City> {
  const ok = async (res: LightMyRequestResponse, what: string) => {
    assert.ok(res.statusCode < 300, `fixture ${what}: ${res.statusCode} ${res.body}`);
    return res.json() as Record<string, unknown>;
  };
  const admin = (opts: InjectOptions) => t.call('admin', opts);
  const post = async (url: string, payload: object) => ok(await admin({ method: 'POST', url, payload }), `POST ${url}`);

  await post('/api/grids', { code: 'dist', name: '示范区', level: 'district', polygon: square(121.4, 31.2, 0.2) });
  for (const [side, lng] of [['a', 121.4], ['b', 121.5]] as const) {
    await post('/api/departments', { id: `dept-${side}`, name: `${side} 街道城管` });
    await post('/api/grids', { code: `street-${side}`, name: `${side} 街道`, level: 'street', parentCode: 'dist', departmentId: `dept-${side}`, polygon: square(lng, 31.2, 0.08) });
    await post('/api/grids', { code: `comm-${side}`, name: `${side} 社区`, level: 'community', parentCode: `street-${side}`, polygon: square(lng, 31.2, 0.04) });
    await post('/api/grids', { code: `cell-${side}`, name: `${side} 网格`, level: 'grid', parentCode: `comm-${side}`, polygon: square(lng, 31.2, 0.02) });
    const ids = idsOf(side, {});
    // Nothing here starts a real stream: cameras are disabled and their address refuses at once.
    await post('/api/channels', { id: ids.channel, name: `${side} 路口`, kind: 'rtsp', source: { url: `rtsp://127.0.0.1:9/${side}` }, gridCode: ids.grid, enabled: false });
    await post('/api/gb28181/devices', { id: ids.gbDevice, name: `${side} NVR`, password: 'gb-device-pw', gridCode: ids.grid });
    await post('/api/channels', { id: ids.gbChannel, name: `${side} GB 通道`, kind: 'gb28181', source: { deviceId: ids.gbDevice, channelId: `3402000000132000000${side === 'a' ? 1 : 2}` }, gridCode: ids.grid, enabled: false });
    await post('/api/sensors', { id: ids.sensor, name: `${side} 燃气`, kind: 'gas', mqtt: { clientId: ids.sensor, username: ids.sensor, password: `pw-${ids.sensor}-secret` }, unit: '%LEL', gridCode: ids.grid });
  }
  const raise = async (side: 'a' | 'b', severity = 'major', type = 'intrusion') => {
    const body = await post('/api/incidents/candidates', {
      source: { kind: 'detector', id: `cam-${side}` }, type, severity, occurredAt: Date.now() - 1000, gridCode: `cell-${side}`, title: `${side} 闯入`,
    });
    return String((body.incident as { id: string }).id);
  };
  // B's is the more urgent, so a queue that ignored scope would hand it out first.
  const incidents = { b: await raise('b', 'critical'), a: await raise('a', 'minor') };
  // A snapshot saved from the wall to each street's incident (on its flow).
  const jpeg = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#336699' } }).jpeg().toBuffer();
  const snapshots: Partial<Record<Side, string>> = {};
  for (const side of ['a', 'b'] as const) {
    const saved = await ok(await admin({ method: 'POST', url: `/api/incidents/${incidents[side]}/snapshots`, headers: { 'content-type': 'image/jpeg' }, payload: jpeg }), 'snapshot');
    snapshots[side] = String(saved.url);
  }
  const scoped = {} as City['scoped'];
  for (const role of ['operator', 'engineer', 'dispatcher'] as const) {
    scoped[role] = String((await post('/api/keys', { name: `${role} of street A`, role, scope: ['street-a'] })).secret);
  }
  return {
    ids: { a: idsOf('a', incidents, snapshots), b: idsOf('b', incidents, snapshots), none: idsOf('none', incidents, snapshots) },
    scoped,
    call: (key, opts) => t.app.inject({ ...opts, headers: { authorization: `Bearer ${key}`, ...opts.headers } }),
    raise,
  };
}

/** A body with one side's ids replaced by placeholders, to compare street B's answer with an unknown id's. */
export function normalized(body: string, ids: SideIds): string {
  let out = body;
  // A snapshot is named by its URL, and by its day/file alone in a message.
  const names = Object.values(ids).flatMap((id) => (id.startsWith('/api/snapshots/') ? [id, id.slice('/api/snapshots/'.length)] : [id]));
  for (const id of names.sort((x, y) => y.length - x.length)) out = out.split(id).join('<id>');
  return out;
}
