// The PTZ API's GB28181-shaped motion ({pan: left|right, panSpeed 0–255,
// tilt, tiltSpeed 0–255, zoom: in|out, zoomSpeed 0–15}) as an ONVIF
// ContinuousMove velocity: magnitude speed/255 (zoom speed/15), sign by
// direction (ONVIF: +x right, +y up, +zoom in). An axis given without a speed
// moves at GB28181's default speed, as a PTZCmd would.
import { PTZ_DEFAULT_SPEED, type PtzMove } from '../gb28181/manscdp/index.ts';
import type { PtzVelocity } from './index.ts';

const round = (v: number) => Math.round(v * 1000) / 1000;

export function velocityOf(move: PtzMove): PtzVelocity {
  const axis = (direction: 1 | -1 | 0, speed: number | undefined, fallback: number, max: number) =>
    direction === 0 ? 0 : round((direction * Math.min(max, speed ?? fallback)) / max);
  return {
    x: axis(move.pan === 'right' ? 1 : move.pan === 'left' ? -1 : 0, move.panSpeed, PTZ_DEFAULT_SPEED.panSpeed, 255),
    y: axis(move.tilt === 'up' ? 1 : move.tilt === 'down' ? -1 : 0, move.tiltSpeed, PTZ_DEFAULT_SPEED.tiltSpeed, 255),
    zoom: axis(move.zoom === 'in' ? 1 : move.zoom === 'out' ? -1 : 0, move.zoomSpeed, PTZ_DEFAULT_SPEED.zoomSpeed, 15),
  };
}

/** `{}` (or speeds alone, no direction) stops, as in GB28181. */
export const isStop = (v: PtzVelocity) => v.x === 0 && v.y === 0 && v.zoom === 0;
