// Open incidents with a location as markers coloured by severity; one that
// just arrived pulses (CSS) for a minute. A marker stands above its point like
// a pin, so the camera or sensor that raised it stays visible and clickable. Not clustered: open incidents are few,
// and each must stay visible.
import L from 'leaflet';
import type { Incident } from '../api/types.ts';
import type { Crs } from './map-api.ts';
import { toDisplay } from './projection.ts';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export class IncidentMarkers {
  private readonly layer = L.layerGroup();

  constructor(map: L.Map, private readonly onPick: (incident: Incident) => void) {
    this.layer.addTo(map);
  }

  set(incidents: Incident[], pulsing: Set<string>, crs: Crs, title: (i: Incident) => string): void {
    this.layer.clearLayers();
    for (const i of incidents) {
      if (!i.location) continue;
      const [lng, lat] = toDisplay([i.location.lng, i.location.lat], crs);
      const pulse = pulsing.has(i.id) ? ' pulse' : '';
      const html = `<span class="map-incident ${escape(i.severity)}${pulse}" data-map-kind="incident" data-map-id="${escape(i.id)}" data-severity="${escape(i.severity)}" title="${escape(title(i))}">!</span>`;
      const m = L.marker([lat, lng], { icon: L.divIcon({ html, className: 'map-incident-icon', iconSize: [26, 26], iconAnchor: [13, 34] }), zIndexOffset: 1000, keyboard: false });
      m.on('click', () => this.onPick(i));
      this.layer.addLayer(m);
    }
  }

  remove(): void {
    this.layer.remove();
  }
}
