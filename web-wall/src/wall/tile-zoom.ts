// Digital zoom on a tile: the wheel zooms around the pointer (1× to 8×), a
// drag pans while zoomed, a double click on the zoom badge (or zooming back
// out to 1×) resets. The same CSS transform goes to the video and to the box
// overlay's canvas, so boxes stay on the picture: the overlay draws in the
// canvas's untransformed layout size, and the transform moves both alike.
import { useEffect, useRef, useState } from 'preact/hooks';

export interface Zoom { scale: number; x: number; y: number }

export const NO_ZOOM: Zoom = { scale: 1, x: 0, y: 0 };
const MAX_SCALE = 8;
const WHEEL_STEP = 1.2;

/** Keeps the zoomed picture covering the tile: no empty band at any edge. */
export function clampZoom(z: Zoom, width: number, height: number): Zoom {
  const scale = Math.min(MAX_SCALE, Math.max(1, z.scale));
  const clamp = (v: number, size: number) => Math.min(0, Math.max(size - size * scale, v));
  return { scale, x: clamp(z.x, width), y: clamp(z.y, height) };
}

/** Zooms by `factor` around the point (px, py) of the tile, which stays under the pointer. */
export function zoomAt(z: Zoom, factor: number, px: number, py: number, width: number, height: number): Zoom {
  const scale = Math.min(MAX_SCALE, Math.max(1, z.scale * factor));
  const k = scale / z.scale;
  return clampZoom({ scale, x: px - (px - z.x) * k, y: py - (py - z.y) * k }, width, height);
}

export const zoomTransform = (z: Zoom): string => (z.scale === 1 ? '' : `translate(${z.x}px, ${z.y}px) scale(${z.scale})`);

/** Pointer presses that belong to the tile's own controls, not to panning. */
const isControl = (target: EventTarget | null) => target instanceof Element && !!target.closest('button, .tile-head, .tile-tools, a, input, select');

/**
 * Zoom and pan on `tile`, applied to `layers` (the video and the overlay
 * canvas). Starts again at 1× when `resetKey` (the camera) changes.
 */
export function useTileZoom(tile: HTMLElement | null, layers: Array<HTMLElement | null>, resetKey: string | null) {
  const [zoom, setZoom] = useState<Zoom>(NO_ZOOM);
  const current = useRef(zoom);
  current.current = zoom;

  useEffect(() => setZoom(NO_ZOOM), [resetKey]);

  useEffect(() => {
    const transform = zoomTransform(zoom);
    for (const el of layers) {
      if (!el) continue;
      el.style.transformOrigin = '0 0';
      el.style.transform = transform;
    }
    if (tile) tile.dataset.zoom = zoom.scale.toFixed(2);
  }, [zoom, tile, ...layers]);

  useEffect(() => {
    if (!tile) return;
    const size = () => [tile.clientWidth, tile.clientHeight] as const;
    const onWheel = (e: WheelEvent) => {
      if (isControl(e.target)) return;
      e.preventDefault(); // the page must not scroll under the wall
      const box = tile.getBoundingClientRect();
      const [w, h] = size();
      setZoom(zoomAt(current.current, e.deltaY < 0 ? WHEEL_STEP : 1 / WHEEL_STEP, e.clientX - box.left, e.clientY - box.top, w, h));
    };
    let drag: { id: number; x: number; y: number; from: Zoom } | null = null;
    const onDown = (e: PointerEvent) => {
      if (e.button !== 0 || current.current.scale === 1 || isControl(e.target)) return;
      drag = { id: e.pointerId, x: e.clientX, y: e.clientY, from: current.current };
      tile.setPointerCapture(e.pointerId);
      tile.classList.add('panning');
    };
    const onMove = (e: PointerEvent) => {
      if (!drag || e.pointerId !== drag.id) return;
      const [w, h] = size();
      setZoom(clampZoom({ ...drag.from, x: drag.from.x + e.clientX - drag.x, y: drag.from.y + e.clientY - drag.y }, w, h));
    };
    const onUp = (e: PointerEvent) => {
      if (!drag || e.pointerId !== drag.id) return;
      drag = null;
      tile.classList.remove('panning');
    };
    tile.addEventListener('wheel', onWheel, { passive: false });
    tile.addEventListener('pointerdown', onDown);
    tile.addEventListener('pointermove', onMove);
    tile.addEventListener('pointerup', onUp);
    tile.addEventListener('pointercancel', onUp);
    return () => {
      tile.removeEventListener('wheel', onWheel);
      tile.removeEventListener('pointerdown', onDown);
      tile.removeEventListener('pointermove', onMove);
      tile.removeEventListener('pointerup', onUp);
      tile.removeEventListener('pointercancel', onUp);
    };
  }, [tile]);

  return { zoom, reset: () => setZoom(NO_ZOOM) };
}
