// The Leaflet map itself: the configured base tiles (or none: a plain
// background with the outlines, offline first), the grid cells, the clustered
// cameras and sensors and the open incidents, each layer redrawn from its
// signal. Everything is placed through projection.ts for the base map's
// coordinate system. The map is window.wallMap for tests and the benchmark.
import 'leaflet/dist/leaflet.css';
import L from 'leaflet';
import { effect } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { label } from '../i18n/index.ts';
import { incidentTitle } from '../i18n/server-text.ts';
import type { Crs, DeviceProps, Feature, GridProps, MapConfig, TileSource } from './map-api.ts';
import { channelFeatures, gridFeatures, heat, placedIncidents, pulsing, sensorFeatures, statusOf } from './map-state.ts';
import { GridLayer } from './grid-layer.ts';
import { IncidentMarkers } from './incident-markers.ts';
import { MarkerClusters, type DevicePoint } from './marker-clusters.ts';
import { polygonLatLngs, toDisplay } from './projection.ts';
import { select } from './selection.ts';
// The map's own styles travel with it: the big screen embeds it without the map view.
import './map.css';

declare global {
  interface Window { wallMap?: L.Map; wallMapCrs?: Crs }
}

function baseLayer(source: TileSource): L.TileLayer {
  return L.tileLayer(source.url, {
    subdomains: source.subdomains ?? 'abc',
    attribution: source.attribution ?? '',
    minZoom: source.minZoom ?? 0,
    maxZoom: source.maxZoom ?? 18,
  });
}

function devicePoints(entity: 'channel' | 'sensor', features: Array<Feature<DeviceProps>>, crs: Crs): DevicePoint[] {
  const out: DevicePoint[] = [];
  for (const f of features) {
    if (f.geometry?.type !== 'Point') continue;
    const p = f.properties;
    out.push({ entity, id: p.id, name: p.name, kind: p.kind, status: statusOf(entity, f), at: toDisplay(f.geometry.coordinates, crs) });
  }
  return out;
}

function cellBounds(features: Array<Feature<GridProps>>, crs: Crs): L.LatLngBounds | null {
  const b = L.latLngBounds([]);
  for (const f of features) if (f.geometry && f.geometry.type !== 'Point') b.extend(L.polygon(polygonLatLngs(f.geometry, crs) as L.LatLngExpression[][]).getBounds());
  return b.isValid() ? b : null;
}

export function MapCanvas({ config }: { config: MapConfig }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const source = config.tiles[0];
    const crs: Crs = source?.crs ?? 'wgs84';
    const map = L.map(el, { zoomControl: true, attributionControl: Boolean(source) });
    if (source) {
      const layers = Object.fromEntries(config.tiles.filter((t) => t.crs === crs).map((t) => [t.name, baseLayer(t)]));
      Object.values(layers)[0]?.addTo(map);
      if (Object.keys(layers).length > 1) L.control.layers(layers).addTo(map);
    }
    // The configured centre, else the grid cells' bounds, else the demo district's neighbourhood (a view first: the layers read it).
    const bounds = cellBounds(gridFeatures.peek(), crs);
    if (config.center) {
      const [lng, lat] = toDisplay(config.center, crs);
      map.setView([lat, lng], config.zoom ?? 13);
    } else if (bounds) {
      map.fitBounds(bounds);
      if (config.zoom !== null) map.setZoom(config.zoom);
    } else {
      map.setView([31.23, 121.49], config.zoom ?? 13);
    }
    window.wallMap = map;
    window.wallMapCrs = crs;
    el.dataset.crs = crs;

    const grids = new GridLayer(map, (cell) => select({ kind: 'grid', id: cell.code }));
    const clusters = new MarkerClusters(map, (p) => select({ kind: p.entity, id: p.id }));
    const incidents = new IncidentMarkers(map, (i) => select({ kind: 'incident', id: i.id }));
    const stops = [
      effect(() => grids.setCells(gridFeatures.value, crs)),
      effect(() => {
        const h = heat.value;
        grids.setHeat(h ? new Map(h.features.map((f) => [f.properties.code, f.properties.count])) : null);
      }),
      effect(() => clusters.setPoints([...devicePoints('channel', channelFeatures.value, crs), ...devicePoints('sensor', sensorFeatures.value, crs)])),
      effect(() => incidents.set(placedIncidents.value, pulsing.value, crs, (i) => [label('type', i.type), incidentTitle(i)].filter(Boolean).join(' · '))),
    ];
    el.dataset.ready = 'true';
    return () => {
      for (const stop of stops) stop();
      grids.remove();
      clusters.remove();
      incidents.remove();
      map.remove();
      if (window.wallMap === map) delete window.wallMap;
    };
  }, [config]);
  return <div ref={host} class={`map-canvas${config.tiles.length ? '' : ' offline'}`} data-testid="map-canvas" />;
}
