// A shared channel as a catalog item for the upper platform: its 20-digit
// code, name, maker, place and ON/OFF; its parent is our platform.
import type { CatalogItem } from '../manscdp/index.ts';
import type { ChannelView } from './channel-book.ts';

export interface ItemContext {
  platformId: string;
  civilCode: string;
}

const MODELS: Record<string, string> = { rtsp: 'RTSP camera', rtmp: 'RTMP encoder', gb28181: 'GB28181 channel' };

export function catalogItem(v: ChannelView, ctx: ItemContext, event?: 'ADD' | 'DEL' | 'UPDATE' | 'ON' | 'OFF'): CatalogItem {
  const located = v.latitude !== undefined && v.longitude !== undefined;
  return {
    deviceId: v.code!,
    name: v.name,
    manufacturer: v.manufacturer ?? 'CityGW',
    model: v.model ?? MODELS[v.kind] ?? v.kind,
    owner: 'CityGW',
    civilCode: v.civilCode ?? ctx.civilCode,
    address: v.address ?? v.name,
    parental: false,
    parentId: ctx.platformId,
    status: v.status,
    ...(located ? { longitude: v.longitude, latitude: v.latitude } : {}),
    ...(event ? { event } : {}),
  };
}
