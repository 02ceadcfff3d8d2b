// A sparkline as inline SVG: the average per step as a line over the window,
// the min–max band behind it, and each threshold as a dashed red line. The y
// range always includes the thresholds, so a reading far below its limit
// still shows how far away it is. The scale is written on the <svg>
// (data-y-domain, data-y-range) so a test or a tooltip can map values to y.
import type { Point, Threshold } from './sensor-history.ts';

export interface SparklineProps {
  points: Point[];
  thresholds: Threshold[];
  from: number;
  to: number;
  width: number;
  height: number;
  /** Write the threshold's value beside its line (the large card). */
  labels?: boolean;
}

const PAD_Y = 3;
const HEADROOM = 0.08;

interface Scale { lo: number; hi: number; top: number; bottom: number; x: (t: number) => number; y: (v: number) => number }

function scaleFor({ points, thresholds, from, to, width, height }: SparklineProps): Scale {
  const values = [...points.flatMap((p) => [p.min, p.max]), ...thresholds.map((t) => t.value)];
  let lo = values.length ? Math.min(...values) : 0;
  let hi = values.length ? Math.max(...values) : 1;
  if (hi - lo < 1e-9) [lo, hi] = [lo - 1, hi + 1];
  const pad = (hi - lo) * HEADROOM;
  lo -= pad;
  hi += pad;
  const top = PAD_Y;
  const bottom = height - PAD_Y;
  const span = Math.max(1, to - from);
  return {
    lo, hi, top, bottom,
    x: (t) => ((t - from) / span) * width,
    y: (v) => bottom - ((v - lo) / (hi - lo)) * (bottom - top),
  };
}

const fixed = (n: number) => n.toFixed(2);

export function Sparkline(props: SparklineProps) {
  const { points, thresholds, width, height, labels } = props;
  const s = scaleFor(props);
  const line = points.map((p, i) => `${i ? 'L' : 'M'}${fixed(s.x(p.t))} ${fixed(s.y(p.avg))}`).join(' ');
  const band = points.length > 1
    ? `${points.map((p, i) => `${i ? 'L' : 'M'}${fixed(s.x(p.t))} ${fixed(s.y(p.max))}`).join(' ')} ${[...points].reverse().map((p) => `L${fixed(s.x(p.t))} ${fixed(s.y(p.min))}`).join(' ')} Z`
    : '';
  const last = points.at(-1);
  return (
    <svg
      class="sparkline"
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      role="img"
      data-points={points.length}
      data-y-domain={`${s.lo} ${s.hi}`}
      data-y-range={`${s.bottom} ${s.top}`}
    >
      {band && <path class="band" d={band} />}
      {line && <path class="line" d={line} vector-effect="non-scaling-stroke" />}
      {last && <circle class="last" cx={fixed(s.x(last.t))} cy={fixed(s.y(last.avg))} r={2} />}
      {thresholds.map((t) => {
        const y = fixed(s.y(t.value));
        return (
          <g key={`${t.condition}:${t.value}`} class={`threshold ${t.condition}`} data-threshold={t.value} data-condition={t.condition}>
            <line x1={0} x2={width} y1={y} y2={y} vector-effect="non-scaling-stroke" />
            {labels && <text x={width - 2} y={Number(y) - 2} text-anchor="end">{t.value}</text>}
          </g>
        );
      })}
    </svg>
  );
}
