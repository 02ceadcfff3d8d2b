// Grid cells as outlines by level (district thick … grid thin), all on one
// canvas (2,000 SVG paths cost a style, paint and layer pass on every move;
// the canvas is one bitmap, redrawn once a move ends, and still answers clicks
// on a cell), and their names shown for the level that fits the
// zoom (district far out, grid cells close in), only for those in view. With
// a heat period chosen, each cell is filled by its incident count.
import L from 'leaflet';
import type { Crs, Feature, GridProps } from './map-api.ts';
import { flatMarker } from './flat-marker.ts';
import { polygonLatLngs } from './projection.ts';

/** From which zoom a level's names are shown (the next level's take over). */
const LABEL_ZOOM: Array<[level: string, fromZoom: number]> = [['district', 0], ['street', 13], ['community', 14], ['grid', 15]];
const WEIGHT: Record<string, number> = { district: 3, street: 2, community: 1.5, grid: 1 };
const MAX_LABELS = 200;

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function labelLevelAt(zoom: number): string {
  let level = 'district';
  for (const [name, from] of LABEL_ZOOM) if (zoom >= from) level = name;
  return level;
}

/** A red scale for heat: 0 transparent, the busiest cell the deepest. */
export function heatColour(count: number, max: number): { fill: string; opacity: number } {
  if (count <= 0 || max <= 0) return { fill: '#000', opacity: 0 };
  const share = Math.min(1, count / max);
  return { fill: `hsl(${Math.round(40 - 40 * share)}, 90%, ${Math.round(60 - 20 * share)}%)`, opacity: 0.25 + 0.45 * share };
}

/** A canvas takes colours, not classes: read them from the map's CSS (--grid-outline, --area-outline). */
function outlineColours(el: HTMLElement): { grid: string; area: string } {
  const css = getComputedStyle(el);
  return { grid: css.getPropertyValue('--grid-outline').trim() || '#3d7bd9', area: css.getPropertyValue('--area-outline').trim() || '#1f4f99' };
}

export class GridLayer {
  private readonly renderer = L.canvas({ padding: 0.3 });
  private readonly polygons = L.layerGroup();
  private readonly labels = L.layerGroup();
  private cells: Array<{ feature: Feature<GridProps>; polygon: L.Polygon; centre: L.LatLng }> = [];

  constructor(private readonly map: L.Map, private readonly onPick: (cell: GridProps) => void) {
    this.polygons.addTo(map);
    this.labels.addTo(map);
    map.on('moveend', this.renderLabels);
  }

  setCells(features: Array<Feature<GridProps>>, crs: Crs): void {
    this.polygons.clearLayers();
    this.labels.clearLayers();
    this.drawnLabels.clear();
    // Districts first, so smaller cells lie on top and take the clicks.
    const order = ['district', 'street', 'community', 'grid'];
    const sorted = [...features].sort((a, b) => order.indexOf(a.properties.level) - order.indexOf(b.properties.level));
    this.cells = [];
    const outline = outlineColours(this.map.getContainer());
    for (const feature of sorted) {
      if (!feature.geometry || feature.geometry.type === 'Point') continue;
      const { code, level } = feature.properties;
      const polygon = L.polygon(polygonLatLngs(feature.geometry, crs) as L.LatLngExpression[][], {
        renderer: this.renderer,
        className: `grid-cell level-${level} grid-${code}`,
        weight: WEIGHT[level] ?? 1,
        // On the canvas a class styles nothing: the street's dashes are an option.
        ...(level === 'street' ? { dashArray: '6 3' } : {}),
        color: level === 'grid' ? outline.grid : outline.area,
        fill: true,
        fillOpacity: 0,
        fillColor: '#000',
      });
      polygon.on('click', () => this.onPick(feature.properties));
      this.polygons.addLayer(polygon);
      this.cells.push({ feature, polygon, centre: polygon.getBounds().getCenter() });
    }
    // How many outlines are drawn (a canvas has no element per cell to count).
    this.map.getContainer().dataset.cells = String(this.cells.length);
    this.renderLabels();
  }

  /** Fills cells by their count in `counts` (null: outlines only). */
  setHeat(counts: Map<string, number> | null): void {
    const max = counts ? Math.max(0, ...counts.values()) : 0;
    for (const { feature, polygon } of this.cells) {
      const { fill, opacity } = heatColour(counts?.get(feature.properties.code) ?? 0, max);
      polygon.setStyle({ fillColor: fill, fillOpacity: opacity });
    }
  }

  /** The labels drawn now by cell code: a redraw adds and removes only what changed. */
  private drawnLabels = new Map<string, L.Marker>();

  readonly renderLabels = (): void => {
    const level = labelLevelAt(this.map.getZoom());
    const view = this.map.getBounds();
    const next = new Map<string, L.Marker>();
    for (const { feature, centre } of this.cells) {
      if (feature.properties.level !== level || !view.contains(centre)) continue;
      if (next.size >= MAX_LABELS) break;
      const code = feature.properties.code;
      let label = this.drawnLabels.get(code);
      if (label) this.drawnLabels.delete(code);
      else {
        const html = `<span class="grid-label level-${level}" data-grid-label="${escape(code)}">${escape(feature.properties.name)}</span>`;
        label = flatMarker(centre, { icon: L.divIcon({ html, className: 'grid-label-icon', iconSize: undefined }), interactive: false, keyboard: false });
        this.labels.addLayer(label);
      }
      next.set(code, label);
    }
    for (const gone of this.drawnLabels.values()) this.labels.removeLayer(gone);
    this.drawnLabels = next;
  };

  remove(): void {
    this.map.off('moveend', this.renderLabels);
    this.polygons.remove();
    this.labels.remove();
  }
}
