// A Leaflet marker placed with left/top instead of a 3D transform. Leaflet
// gives every marker `translate3d`, which makes each one a compositing layer
// of its own: a few hundred markers then cost every frame of a pan or zoom in
// a browser compositing in software (a command-center PC, headless Chromium).
// Placed flat, they are painted once into the marker pane's layer, which the
// pan moves as a whole. They cannot follow a zoom animation smoothly, so they
// hide while it runs (map.css: `.leaflet-zoom-anim .flat-marker`) and reappear
// in place at its end.
import L from 'leaflet';

interface Placed { _icon?: HTMLElement | null; _zIndex: number; options: L.MarkerOptions; _resetZIndex(): void }

export const FlatMarker = L.Marker.extend({
  _setPos(this: Placed, pos: L.Point) {
    const icon = this._icon;
    if (icon) {
      // Leaflet reads the position back from here (DomUtil.getPosition).
      (icon as HTMLElement & { _leaflet_pos?: L.Point })._leaflet_pos = pos;
      icon.style.left = `${pos.x}px`;
      icon.style.top = `${pos.y}px`;
      icon.classList.add('flat-marker');
    }
    this._zIndex = pos.y + (this.options.zIndexOffset ?? 0);
    this._resetZIndex();
  },
}) as unknown as new (at: L.LatLngExpression, options?: L.MarkerOptions) => L.Marker;

export const flatMarker = (at: L.LatLngExpression, options?: L.MarkerOptions): L.Marker => new FlatMarker(at, options);
