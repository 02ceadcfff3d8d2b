// The detection room's Prometheus metrics: frames taken, inferences, frames
// skipped (the motion gate saw nothing move, or a newer frame replaced one
// waiting for the model), failures, and histograms of the model's time and of
// the whole pipeline (frame capture → detections out). Labels: the model's
// name from the configuration, never a channel.
import { Histogram, type Registry } from 'prom-client';
import { readCounter, readGauge, RunningTotals, type Count } from '../http/metric-kit.ts';
import type { ChannelRunner, RunnerStatus } from './channel-runner.ts';
import type { DetectionRoom } from './index.ts';

type RoomView = Pick<DetectionRoom, 'runners' | 'inferences'>;
type Scheduled = RunnerStatus & { skipped?: number; failed?: number };

export function registerDetectionMetrics(registry: Registry, room: RoomView): void {
  const inference = new Histogram({
    name: 'gateway_detection_inference_seconds', help: 'Model time per inferred frame (letterbox, model, decode, NMS)', labelNames: ['model'], registers: [registry],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  const pipeline = new Histogram({
    name: 'gateway_detection_pipeline_seconds', help: 'Frame capture to detections out, per inferred frame (tap, queue and model)', labelNames: ['model'], registers: [registry],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
  });
  room.inferences.on('inference', (t) => {
    inference.observe({ model: t.model }, t.inferenceMs / 1000);
    pipeline.observe({ model: t.model }, Math.max(0, t.pipelineMs) / 1000);
  });

  // A runner is replaced when its channel's profile changes: each one is its own object, counting from zero.
  const ids = new WeakMap<ChannelRunner, string>();
  let next = 0;
  const statuses = () => room.runners().map((r) => {
    if (!ids.has(r)) ids.set(r, String(next++));
    return { id: ids.get(r)!, s: r.status() as Scheduled };
  });
  const totals = (labelNames: readonly string[]) => new RunningTotals(labelNames);
  const per = <L extends string>(pick: (s: Scheduled) => number | undefined, labels: (s: Scheduled) => Partial<Record<L, string>>): Array<Count<L>> =>
    statuses().map(({ id, s }) => ({ object: id, labels: labels(s), value: pick(s) ?? 0 }));

  const frames = totals(['model']);
  readCounter(registry, { name: 'gateway_detection_frames_total', help: 'Frames taken from the tap at the profile\'s rate', labelNames: ['model'], read: () => frames.update(per((s) => s.frames, (s) => ({ model: s.model }))) });
  const inferred = totals(['model']);
  readCounter(registry, { name: 'gateway_detection_inferences_total', help: 'Frames the model ran on', labelNames: ['model'], read: () => inferred.update(per((s) => s.inferred, (s) => ({ model: s.model }))) });
  const skipped = new RunningTotals(['reason'] as const, [{ reason: 'still' }, { reason: 'busy' }]);
  readCounter(registry, {
    name: 'gateway_detection_skipped_frames_total', labelNames: ['reason'],
    help: 'Frames not inferred: still (the motion gate saw nothing move) or busy (replaced by a newer frame while waiting for the model)',
    read: () => skipped.update([...per((s) => s.stillSkipped, () => ({ reason: 'still' })), ...per((s) => s.skipped, () => ({ reason: 'busy' }))]),
  });
  const failed = totals([]);
  readCounter(registry, { name: 'gateway_detection_failures_total', help: 'Frames whose detection failed (logged)', read: () => failed.update(per((s) => s.failed, () => ({}))) });
  readGauge(registry, {
    name: 'gateway_detection_channels', help: 'Channels with detection, by state (waiting for frames, running, failed)', labelNames: ['state'],
    read: () => {
      const counts = new Map<string, number>([['waiting', 0], ['running', 0], ['failed', 0]]);
      for (const { s } of statuses()) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
      return [...counts].map(([state, n]) => [{ state }, n]);
    },
  });
}
