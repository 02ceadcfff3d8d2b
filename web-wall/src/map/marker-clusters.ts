// Cameras and sensors as one clustered marker layer (supercluster): only the
// clusters and points in view are DOM markers, rebuilt when the map stops
// moving, so 10,000 cameras cost a few hundred elements. A cluster shows its
// count and turns red when any device in it is offline; a click zooms in.
import L from 'leaflet';
import Supercluster, { type ClusterProperties } from 'supercluster';
import type { Position } from './map-api.ts';

export interface DevicePoint { entity: 'channel' | 'sensor'; id: string; name: string; kind: string; status: string; at: Position }
interface Sums { offline: number; devices: number }

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const OFFLINE = new Set(['offline', 'unknown']);

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

  /** New points (their positions already on the base map's system); redraws. */
  setPoints(points: DevicePoint[]): void {
    this.index.load(points.map((p) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: p.at }, properties: p })));
    this.render();
  }

  readonly render = (): void => {
    const b = this.map.getBounds();
    const zoom = Math.round(this.map.getZoom());
    const items = this.index.getClusters([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], zoom);
    this.layer.clearLayers();
    for (const f of items) {
      const [lng, lat] = f.geometry.coordinates as Position;
      const props = f.properties as Partial<ClusterProperties> & Partial<DevicePoint> & Partial<Sums>;
      if (props.cluster) {
        const n = props.point_count ?? 0;
        const size = n < 10 ? 30 : n < 100 ? 36 : n < 1000 ? 42 : 50;
        const html = `<span class="map-cluster${props.offline ? ' has-offline' : ''}" data-map-cluster="${n}" style="width:${size}px;height:${size}px">${n}</span>`;
        const m = L.marker([lat, lng], { icon: L.divIcon({ html, className: 'map-cluster-icon', iconSize: [size, size] }), keyboard: false });
        const id = props.cluster_id!;
        m.on('click', () => this.map.setView([lat, lng], Math.min(this.index.getClusterExpansionZoom(id), 18)));
        this.layer.addLayer(m);
      } else {
        const p = f.properties as DevicePoint;
        const html = `<span class="map-pin ${p.entity} ${escape(p.status)}" data-map-kind="${p.entity}" data-map-id="${escape(p.id)}" data-status="${escape(p.status)}" title="${escape(p.name)}"></span>`;
        const m = L.marker([lat, lng], { icon: L.divIcon({ html, className: 'map-pin-icon', iconSize: [18, 18] }), title: p.name, keyboard: false });
        m.on('click', () => this.onPick(p));
        this.layer.addLayer(m);
      }
    }
  };

  remove(): void {
    this.map.off('moveend', this.render);
    this.layer.remove();
  }
}
