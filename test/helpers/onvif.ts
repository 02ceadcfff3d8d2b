// The ONVIF routes as the tests call them on an in-process gateway: add a
// simulated camera, steer it, read its camera-event status and the incidents
// its events raised.
import assert from 'node:assert/strict';
import type { OnvifDeviceSim } from '../sim/onvif/index.ts';
import type { TestGateway } from './gateway.ts';

export interface OnvifIncident {
  id: string;
  type: string;
  firstSeen: string;
  title?: string;
  source: { kind: string; id: string };
  evidence?: { snapshots?: string[]; topic?: string };
}

export interface EventsStatus {
  channelId: string;
  state: string;
  reason?: string;
  retryAt?: string;
  since: string;
  failures?: number;
  subscriptions?: number;
  types: string[];
}

export function onvifApi(t: TestGateway, credentials: { username: string; password: string }) {
  return {
    /** POST /api/onvif/channels for a simulated camera (201 asserted) → the channel id. */
    async add(dev: Pick<OnvifDeviceSim, 'host' | 'port'>, fields: Record<string, unknown>): Promise<string> {
      const res = await t.call('engineer', { method: 'POST', url: '/api/onvif/channels', payload: { host: dev.host, port: dev.port, ...credentials, ...fields } });
      assert.equal(res.statusCode, 201, res.body);
      return (res.json() as { id: string }).id;
    },
    ptz: (id: string, payload: object, role: 'operator' | 'dispatcher' = 'operator') => t.call(role, { method: 'POST', url: `/api/channels/${id}/ptz`, payload }),
    /** The incidents of one type a channel's camera events raised. */
    async incidents(type: string, channelId: string): Promise<OnvifIncident[]> {
      const res = await t.call('admin', { method: 'GET', url: `/api/incidents?type=${type}&sourceKind=onvif&sourceId=${channelId}` });
      assert.equal(res.statusCode, 200, res.body);
      return (res.json() as { items: OnvifIncident[] }).items;
    },
    async eventsStatus(channelId: string): Promise<EventsStatus | undefined> {
      const res = await t.call('operator', { method: 'GET', url: `/api/onvif/events/status?channelId=${channelId}` });
      assert.equal(res.statusCode, 200, res.body);
      return (res.json() as { items: EventsStatus[] }).items[0];
    },
  };
}
