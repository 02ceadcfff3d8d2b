// Pieces every room's metrics use: counters and gauges whose values are read
// from counts the rooms already keep (at each scrape, so the rooms need no
// metric calls), and running totals over counts kept by objects that come and
// go (an ingest supervisor, a live session, a sensor's state).
import { Counter, Gauge, type Registry } from 'prom-client';

export type Labels<L extends string> = Partial<Record<L, string>>;
export type Sample<L extends string> = [labels: Labels<L>, value: number];
type Read<L extends string> = () => Iterable<Sample<L>> | Promise<Iterable<Sample<L>>>;

interface Spec<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
  read: Read<L>;
}

/** A counter whose values are the room's own totals, read at each scrape. */
export function readCounter<L extends string>(registry: Registry, spec: Spec<L>): Counter<L> {
  return new Counter<L>({
    name: spec.name, help: spec.help, labelNames: spec.labelNames ?? [], registers: [registry],
    async collect() {
      const samples = await spec.read();
      this.reset();
      for (const [labels, value] of samples) this.inc(labels, Math.max(0, value || 0));
    },
  });
}

/** A gauge read at each scrape; series not read this time disappear (a channel that went away). */
export function readGauge<L extends string>(registry: Registry, spec: Spec<L>): Gauge<L> {
  return new Gauge<L>({
    name: spec.name, help: spec.help, labelNames: spec.labelNames ?? [], registers: [registry],
    async collect() {
      const samples = await spec.read();
      this.reset();
      for (const [labels, value] of samples) this.set(labels, Number.isFinite(value) ? value : 0);
    },
  });
}

/** One object's count: `object` names it (e.g. a session), `labels` say which series it adds to. */
export interface Count<L extends string> {
  object: string;
  labels: Labels<L>;
  value: number;
}

/**
 * Totals that only grow over counts kept by objects that come and go. Each
 * update reports every live object's counts; what grew since the last update
 * is added, and a count below the last one belongs to a new object that
 * started from zero (a supervisor replaced). An object no longer reported is
 * forgotten, and what it counted stays in the total.
 */
export class RunningTotals<L extends string> {
  private last = new Map<string, number>();
  private readonly totals = new Map<string, Sample<L>>();

  constructor(private readonly labelNames: readonly L[], initial: Array<Labels<L>> = []) {
    for (const labels of initial) this.totals.set(this.key(labels), [labels, 0]);
  }

  update(counts: Iterable<Count<L>>): Sample<L>[] {
    const next = new Map<string, number>();
    for (const { object, labels, value } of counts) {
      const series = this.key(labels);
      const id = `${object}\u0000${series}`;
      const before = this.last.get(id) ?? 0;
      const grew = value >= before ? value - before : value;
      next.set(id, value);
      const total = this.totals.get(series);
      if (total) total[1] += grew;
      else this.totals.set(series, [labels, grew]);
    }
    this.last = next;
    return [...this.totals.values()];
  }

  private key(labels: Labels<L>): string {
    return this.labelNames.map((n) => labels[n] ?? '').join('\u0000');
  }
}

/** A value from a room's stats record (`Record<string, unknown>`), 0 when it is not a number. */
export const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
