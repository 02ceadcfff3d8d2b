// A Leaflet marker placed with left/top instead of a 3D transform. Leaflet
// gives every marker `translate3d` (and `will-change: transform` while a zoom
// animates), which makes each one a compositing layer of its own: a few
// hundred markers then cost every frame of a pan or zoom in a browser that
// composites in software (a command-center PC, headless Chromium). Placed
// flat, they are painted into the marker pane's one layer, which a pan moves
// as a whole. They do not follow a zoom animation: like Leaflet's own
// non-animated layers they are hidden while it runs (`leaflet-zoom-hide`) and
// shown in their new places at its end.
import L from 'leaflet';

interface Placed { _icon?: HTMLElement | null; _zIndex: number; _zoomAnimated: boolean; options: L.MarkerOptions; _resetZIndex(): void }

export const FlatMarker = L.Marker.extend({
  onAdd(this: Placed, map: L.Map) {
    this._zoomAnimated = false;
    (L.Marker.prototype as unknown as { onAdd: (m: L.Map) => void }).onAdd.call(this, map);
  },

  _setPos(this: Placed, pos: L.Point) {
    const icon = this._icon;
    if (icon) {
      // Leaflet reads the position back from here (DomUtil.getPosition).
      (icon as HTMLElement & { _leaflet_pos?: L.Point })._leaflet_pos = pos;
      icon.style.left = `${pos.x}px`;
      icon.style.top = `${pos.y}px`;
    }
    this._zIndex = pos.y + (this.options.zIndexOffset ?? 0);
    this._resetZIndex();
  },
}) as unknown as new (at: L.LatLngExpression, options?: L.MarkerOptions) => L.Marker;

export const flatMarker = (at: L.LatLngExpression, options?: L.MarkerOptions): L.Marker => new FlatMarker(at, options);
