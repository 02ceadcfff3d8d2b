// A benchmark model with YOLOv8n's interface and about its compute, with fixed
// pseudo-random weights, for honest speed figures without downloading weights.
// Same op mix as a real export (Conv, Sigmoid·Mul = SiLU, Resize, Concat,
// Reshape); the DFL box decode is left out (well under 1 % of the compute).
//   backbone  stride-2 3×3 convs to widths 16, 32, 64, 128, 256, with 3×3 convs between
//   neck      top-down: upsample, concat, 1×1 reduce, 3×3 (P5 → P4 → P3)
//   heads     per stride 8/16/32, YOLOv8's two branches: box 3×3·3×3·1×1 → 4, class 3×3·3×3·1×1 → 80
// Class scores come out near 0.0003, so a decoder finds nothing and NMS gets no work:
// timings measure the network and the full scan of every anchor, not a lucky threshold.
import { ModelBuilder } from '../onnx/builder.ts';
import { anchorsV8, checkInputSize, COCO_NAMES, writeYoloMetadata } from './yolo-export.ts';

interface Feature { name: string; c: number; hw: number }

export interface BenchModelStats {
  /** Multiply-accumulates of all convolutions for one image. */
  macs: number;
  /** 2 × MACs, the way YOLO model cards count FLOPs (YOLOv8n: 8.7 G at 640). */
  flops: number;
  params: number;
}

/** mulberry32: tiny, seedable, and the same bytes on every machine (also the route fuzz's mutations). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** dynamic: batch, height and width symbolic, as a `dynamic=True` export declares them (frames of several channels in one run). */
function build(size: number, dynamic = false): { model: ModelBuilder; stats: BenchModelStats } {
  checkInputSize(size);
  const model = new ModelBuilder('bench_yolov8n');
  const g = model.graph;
  const random = prng(0x5eed + size);
  const stats = { macs: 0, flops: 0, params: 0 };

  const conv = (x: Feature, c: number, k: 1 | 3, opts: { stride?: 1 | 2; act?: boolean; bias?: number } = {}): Feature => {
    const { stride = 1, act = true, bias = 0 } = opts;
    const fanIn = x.c * k * k;
    // Uniform with variance 3/fan_in keeps activations near unit scale through SiLU layers.
    const limit = 3 / Math.sqrt(fanIn);
    const w = g.initializer(g.fresh('w'), [c, x.c, k, k], Float32Array.from({ length: c * fanIn }, () => (random() * 2 - 1) * limit));
    const b = g.initializer(g.fresh('b'), [c], new Float32Array(c).fill(bias));
    const hw = x.hw / stride;
    const pad = (k - 1) / 2;
    const y = g.node('Conv', [x.name, w, b], [g.fresh('conv')], {
      kernel_shape: { ints: [k, k] }, strides: { ints: [stride, stride] }, pads: { ints: [pad, pad, pad, pad] },
    });
    stats.macs += hw * hw * c * fanIn;
    stats.params += c * fanIn + c;
    if (!act) return { name: y, c, hw };
    return { name: g.node('Mul', [y, g.node('Sigmoid', [y], [g.fresh('sig')])], [g.fresh('silu')]), c, hw };
  };
  const up = (x: Feature): Feature => ({
    name: g.node('Resize', [x.name, '', 'up_scales'], [g.fresh('up')], { mode: { string: 'nearest' } }), c: x.c, hw: x.hw * 2,
  });
  const concat = (a: Feature, b: Feature): Feature => ({
    name: g.node('Concat', [a.name, b.name], [g.fresh('cat')], { axis: { int: 1 } }), c: a.c + b.c, hw: a.hw,
  });

  g.input('images', dynamic ? ['batch', 3, 'height', 'width'] : [1, 3, size, size]);
  g.initializer('up_scales', [4], Float32Array.from([1, 1, 2, 2]));
  let x: Feature = { name: 'images', c: 3, hw: size };
  x = conv(x, 16, 3, { stride: 2 });
  x = conv(conv(x, 32, 3, { stride: 2 }), 32, 3);
  const p3 = conv(conv(x, 64, 3, { stride: 2 }), 64, 3);
  const p4 = conv(conv(conv(p3, 128, 3, { stride: 2 }), 128, 3), 128, 3);
  const p5 = conv(conv(conv(p4, 256, 3, { stride: 2 }), 256, 3), 256, 3);
  const n4 = conv(conv(concat(up(p5), p4), 128, 1), 128, 3);
  const n3 = conv(conv(concat(up(n4), p3), 64, 1), 64, 3);

  const classes = COCO_NAMES.length;
  g.initializer('input_size', [], Float32Array.from([size]));
  const levels = [n3, n4, p5].map((f) => {
    const box = conv(conv(conv(f, 64, 3), 64, 3), 4, 1, { act: false });
    const cls = conv(conv(conv(f, 80, 3), 80, 3), classes, 1, { act: false, bias: -8 });
    // Boxes as sigmoid × input size (pixels), scores as sigmoid: the ranges a real export has.
    const boxPx = g.node('Mul', [g.node('Sigmoid', [box.name], [g.fresh('box_sig')]), 'input_size'], [g.fresh('box_px')]);
    const scores = g.node('Sigmoid', [cls.name], [g.fresh('cls_sig')]);
    const both = g.node('Concat', [boxPx, scores], [g.fresh('head')], { axis: { int: 1 } });
    // dynamic: the batch copied from the input (0), the anchors whatever the size (-1)
    const shape = g.initializer(g.fresh('shape'), [3], BigInt64Array.from(dynamic ? [0n, BigInt(4 + classes), -1n] : [1n, BigInt(4 + classes), BigInt(f.hw * f.hw)]));
    return g.node('Reshape', [both, shape], [g.fresh('flat')]);
  });
  g.node('Concat', levels, ['output0'], { axis: { int: 2 } });
  g.output('output0', dynamic ? ['batch', 4 + classes, 'anchors'] : [1, 4 + classes, anchorsV8(size)]);
  stats.flops = 2 * stats.macs;

  writeYoloMetadata(model, {
    names: COCO_NAMES,
    size,
    description: `city-ingest-gateway benchmark model: YOLOv8n input/output shapes at ${size}, ${(stats.flops / 1e9).toFixed(1)} GFLOPs, pseudo-random weights (detects nothing)`,
  });
  return { model, stats };
}

/** The benchmark model's ONNX bytes; the same bytes on every run and machine. */
export function buildBenchModel(size: 640 | 320, dynamic = false): Uint8Array {
  return build(size, dynamic).model.toBytes();
}

/** Its compute and size, without serializing it. */
export function benchModelStats(size: 640 | 320): BenchModelStats {
  return build(size).stats;
}
