// The source of the wall's MaxListenersExceededWarning with 16 FLV tiles:
// mpegts.js keeps one process-wide emitter (LoggingControl.emitter) and every
// player whose transmuxer runs in a worker adds a 'change' listener to it
// (to forward logging settings to its worker), removed again on destroy. So
// 16 tiles are 16 listeners by design, past the `events` polyfill's default
// of 10. The limit is set to what the wall can legitimately hold (its
// largest layout plus a few players outside the grid), not switched off: a
// player that is not destroyed (a real leak) still trips the warning.
import mpegts from 'mpegts.js';
import { LAYOUTS } from '../layouts.ts';

/** Players outside the grid at the same time (full-screen or zoom views, a reload overlapping its predecessor). */
const OUTSIDE_GRID = 4;

interface ListenerLimit { setMaxListeners(n: number): unknown }

const emitter = (mpegts.LoggingControl as unknown as { emitter?: ListenerLimit }).emitter;
const mostTiles = Math.max(...Object.values(LAYOUTS).map((l) => l.areas.length));
emitter?.setMaxListeners(mostTiles + OUTSIDE_GRID);
