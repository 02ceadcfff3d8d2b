// The camera's snapshot with the profile's polygons over it, in fractions of
// the picture (an SVG whose viewBox is 0–1 both ways, stretched on the image).
// Click on the picture: a point added to the selected polygon (on its nearest
// edge); drag a handle: move that point; click a handle: select it.
import { useRef, useState } from 'preact/hooks';
import { t } from '../i18n/index.ts';
import { insertPoint, roundPoint, type Point, type Shape } from './zone-shapes.ts';

/** The polygon's name, and the rules that use it when they are not named the same. */
const labelOf = (s: Shape) => (s.kind === 'motionMask' || !s.usedBy.length || (s.usedBy.length === 1 && s.usedBy[0] === s.name) ? s.name : `${s.name} → ${s.usedBy.join(t('zones.sep'))}`);

export interface TestBox { box: [number, number, number, number]; frameSize: [number, number]; fired: boolean }

interface Props {
  src: string;
  shapes: Shape[];
  selected: string | null;
  selectedPoint: number | null;
  readOnly: boolean;
  boxes: TestBox[];
  select: (field: string, point: number | null) => void;
  change: (field: string, polygon: Point[]) => void;
}

export function ZoneCanvas({ src, shapes, selected, selectedPoint, readOnly, boxes, select, change }: Props) {
  const svg = useRef<SVGSVGElement>(null);
  const [dragging, setDragging] = useState<{ field: string; index: number } | null>(null);
  const [ratio, setRatio] = useState(16 / 9);
  const [noPicture, setNoPicture] = useState(false);
  const toPicture = (e: PointerEvent | MouseEvent): Point => {
    const r = svg.current!.getBoundingClientRect();
    return roundPoint([(e.clientX - r.left) / r.width, (e.clientY - r.top) / r.height]);
  };
  const current = shapes.find((s) => s.field === selected);
  const addPoint = (e: MouseEvent) => {
    if (readOnly || !current || dragging) return;
    const polygon = insertPoint(current.polygon, toPicture(e));
    change(current.field, polygon);
    select(current.field, polygon.findIndex((p, i) => p !== current.polygon[i]));
  };
  const move = (e: PointerEvent) => {
    if (!dragging) return;
    const shape = shapes.find((s) => s.field === dragging.field);
    if (!shape) return;
    change(shape.field, shape.polygon.map((p, i) => (i === dragging.index ? toPicture(e) : p)));
  };
  return (
    <div class="zone-canvas" style={{ aspectRatio: String(ratio) }}>
      <img src={src} alt="" data-testid="zone-snapshot" onError={() => setNoPicture(true)}
        onLoad={(e) => { setNoPicture(false); setRatio((e.currentTarget.naturalWidth || 16) / (e.currentTarget.naturalHeight || 9)); }} />
      {noPicture && <p class="zone-no-picture muted" data-testid="zone-no-picture">{t('zones.noPicture')}</p>}
      <svg ref={svg} viewBox="0 0 1 1" preserveAspectRatio="none" data-testid="zone-svg"
        onClick={addPoint} onPointerMove={move} onPointerUp={() => setTimeout(() => setDragging(null))} onPointerLeave={() => setDragging(null)}>
        {shapes.map((s) => (
          <g key={s.field} class={`shape ${s.kind}${s.field === selected ? ' selected' : ''}`} data-field={s.field}>
            <polygon points={s.polygon.map((p) => p.join(',')).join(' ')} vector-effect="non-scaling-stroke"
              onClick={(e) => { if (s.field !== selected) { e.stopPropagation(); select(s.field, null); } }} />
          </g>
        ))}
        {boxes.map((b, i) => (
          <rect key={i} class={`test-box${b.fired ? ' fired' : ''}`} vector-effect="non-scaling-stroke" data-testid="test-box"
            x={b.box[0] / b.frameSize[0]} y={b.box[1] / b.frameSize[1]} width={b.box[2] / b.frameSize[0]} height={b.box[3] / b.frameSize[1]} />
        ))}
        {current && !readOnly && current.polygon.map((p, i) => (
          <ellipse key={i} class={`handle${i === selectedPoint ? ' selected' : ''}`} data-point={i} cx={p[0]} cy={p[1]} rx={0.008} ry={0.008 * ratio}
            onPointerDown={(e) => { e.stopPropagation(); (e.currentTarget as Element).setPointerCapture?.(e.pointerId); setDragging({ field: current.field, index: i }); select(current.field, i); }}
            onClick={(e) => e.stopPropagation()} />
        ))}
      </svg>
      <div class="zone-labels">
        {shapes.filter((s) => s.polygon.length).map((s) => {
          const [x, y] = s.polygon[0]!;
          return <span key={s.field} class={`zone-label ${s.kind}`} style={{ left: `${x * 100}%`, top: `${y * 100}%`, transform: y < 0.06 ? 'none' : undefined }}>{labelOf(s)}</span>;
        })}
      </div>
    </div>
  );
}
