// Cameras and sensors as one clustered marker layer (supercluster): only the
// clusters and points in view are DOM markers, rebuilt when the map stops
// moving, so 10,000 cameras cost a few hundred elements. A cluster shows its
// count and turns red when any device in it is offline; a click zooms in.
import L from 'leaflet';
import Supercluster, { type ClusterProperties } from 'supercluster';
import { flatMarker } from './flat-marker.ts';
import type { Position } from './map-api.ts';

export interface DevicePoint { entity: 'channel' | 'sensor'; id: string; name: string; kind: string; status: string; at: Position }
interface Sums { offline: number; devices: number }
type Props = Partial<ClusterProperties> & Partial<DevicePoint> & Partial<Sums>;

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const OFFLINE = new Set(['offline', 'unknown']);
/** How long status changes are gathered before the clusters are rebuilt for them. */
const STATUS_GATHER_MS = 150;

export class MarkerClusters {
  private index = new Supercluster<DevicePoint, Sums>({
    radius: 56,
    maxZoom: 17,
    map: (p) => ({ offline: OFFLINE.has(p.status) ? 1 : 0, devices: 1 }),
    reduce: (acc, p) => { acc.offline += p.offline; acc.devices += p.devices; },
  });
  private readonly layer = L.layerGroup();

  constructor(private readonly map: L.Map, private readonly onPick: (p: DevicePoint) => void) {
    this.layer.addTo(map);
    map.on('moveend', this.render);
  }

  private pending: DevicePoint[] | null = null;
  private loadTimer: number | undefined;
  private loaded = false;

  /**
   * New points (their positions already on the base map's system) or new statuses. Status events come
   * one by one: they are gathered for a moment and the index is built once for them all; the redraw
   * then replaces only the markers whose status or cluster changed.
   */
  setPoints(points: DevicePoint[]): void {
    this.pending = points;
    this.loadTimer ??= window.setTimeout(this.load, this.loaded ? STATUS_GATHER_MS : 0);
  }

  private readonly load = (): void => {
    this.loadTimer = undefined;
    const points = this.pending;
    this.pending = null;
    if (!points) return;
    this.index.load(points.map((p) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: p.at }, properties: p })));
    this.loaded = true;
    this.render();
  };

  /** The markers drawn now by key: a redraw adds and removes only what changed (panning keeps most). */
  private drawn = new Map<string, L.Marker>();
  /** What a click on a marker does now (a marker is reused for another cluster or point). */
  private readonly clicks = new WeakMap<L.Marker, () => void>();

  readonly render = (): void => {
    const b = this.map.getBounds();
    const zoom = Math.round(this.map.getZoom());
    const items = this.index.getClusters([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], zoom);
    const next = new Map<string, L.Marker>();
    const fresh: Array<{ key: string; at: Position; props: Props }> = [];
    for (const f of items) {
      const props = f.properties as Props;
      // A cluster's id carries its zoom, so the same key is the same marker in the same place.
      const key = props.cluster ? `c:${props.cluster_id}:${props.point_count}:${props.offline}` : `p:${props.entity}:${props.id}:${props.status}`;
      const kept = this.drawn.get(key);
      if (kept) {
        next.set(key, kept);
        this.drawn.delete(key);
      } else {
        fresh.push({ key, at: f.geometry.coordinates as Position, props });
      }
    }
    // Markers that left the view are reused for the new ones (a zoom replaces them all): no element made or dropped.
    const spare = [...this.drawn.values()];
    for (const { key, at, props } of fresh) {
      const reused = spare.pop();
      const marker = reused ?? this.newMarker();
      this.show(marker, at, props);
      if (!reused) this.layer.addLayer(marker);
      next.set(key, marker);
    }
    for (const gone of spare) this.layer.removeLayer(gone);
    this.drawn = next;
  };

  private newMarker(): L.Marker {
    const m = flatMarker([0, 0], { icon: L.divIcon({ html: '', className: 'map-pin-icon', iconSize: [18, 18] }), keyboard: false });
    m.on('click', () => this.clicks.get(m)?.());
    return m;
  }

  /** Makes a marker show a cluster or a point (its icon element is reused by Leaflet's DivIcon). */
  private show(m: L.Marker, [lng, lat]: Position, props: Props): void {
    let icon: L.DivIcon;
    if (props.cluster) {
      const n = props.point_count ?? 0;
      const size = n < 10 ? 30 : n < 100 ? 36 : n < 1000 ? 42 : 50;
      const html = `<span class="map-cluster${props.offline ? ' has-offline' : ''}" data-map-cluster="${n}">${n}</span>`;
      icon = L.divIcon({ html, className: 'map-cluster-icon', iconSize: [size, size] });
      const id = props.cluster_id!;
      this.clicks.set(m, () => this.map.setView([lat, lng], Math.min(this.index.getClusterExpansionZoom(id), 18)));
      m.options.title = '';
    } else {
      const p = props as DevicePoint;
      const html = `<span class="map-pin ${p.entity} ${escape(p.status)}" data-map-kind="${p.entity}" data-map-id="${escape(p.id)}" data-status="${escape(p.status)}" title="${escape(p.name)}"></span>`;
      icon = L.divIcon({ html, className: 'map-pin-icon', iconSize: [18, 18] });
      this.clicks.set(m, () => this.onPick(p));
      m.options.title = p.name;
    }
    m.setLatLng([lat, lng]);
    m.setIcon(icon);
    const el = m.getElement();
    if (el) el.title = m.options.title ?? '';
  }

  remove(): void {
    clearTimeout(this.loadTimer);
    this.map.off('moveend', this.render);
    this.layer.remove();
  }
}
