// How the statistics split a window [from, to) (epoch ms) for the daily rollups:
// the whole UTC days inside it, read from a rollup, and the two edges around
// them, read from the rows, so any window (local midnight, a custom hour) is exact.
export const DAY_MS = 86_400_000;

export interface DaySplit {
  /** Whole days [fromDay, toDay) as day numbers (epoch ms / DAY_MS); empty when fromDay >= toDay. */
  fromDay: number;
  toDay: number;
  /** The rest of the window, in ms: before the first whole day and after the last (each may be empty). */
  edges: readonly [[number, number], [number, number]];
}

export function splitByDay(from: number, to: number): DaySplit {
  // Day 0 and before are left to the rows (a bucket holds [d, d + 1) days only for d >= 1 under truncating division).
  const fromDay = Math.max(1, Math.ceil(from / DAY_MS));
  const toDay = Math.floor(to / DAY_MS);
  if (fromDay >= toDay) return { fromDay: 0, toDay: 0, edges: [[from, to], [to, to]] };
  return { fromDay, toDay, edges: [[from, fromDay * DAY_MS], [toDay * DAY_MS, to]] };
}

/** An hour bucket (epoch ms / 3,600,000) as its key: 2026-11-22T08:00:00Z. */
export const hourKey = (hour: number): string => `${new Date(hour * 3_600_000).toISOString().slice(0, 13)}:00:00Z`;
