// A channel's effective recording policy: its own `recording` field, else the
// first configured rule that matches (grid cell code prefix or tag), else the
// configured default; retention and rolls default by class.
import type { StoredRow } from '../../device-registry/index.ts';
import type { ChannelRecordingPolicy, RecordingConfig, RecordingMode } from './config.ts';

export interface EffectivePolicy {
  mode: RecordingMode;
  retentionDays: number;
  preRollSeconds: number;
  postRollSeconds: number;
}

function chosen(row: StoredRow, config: RecordingConfig): ChannelRecordingPolicy {
  const own = row.doc.recording as ChannelRecordingPolicy | null | undefined;
  if (own) return own;
  const grid = typeof row.doc.gridCode === 'string' ? row.doc.gridCode : undefined;
  const tags = Array.isArray(row.doc.tags) ? (row.doc.tags as string[]) : [];
  const rule = config.defaults.rules.find((r) => (r.gridPrefix !== undefined && grid?.startsWith(r.gridPrefix)) || (r.tag !== undefined && tags.includes(r.tag)));
  return rule ?? config.defaults;
}

export function policyOf(row: StoredRow, config: RecordingConfig): EffectivePolicy {
  const p = chosen(row, config);
  const classDays = p.mode === 'events' ? config.eventRetentionDays : config.continuousRetentionDays;
  return {
    mode: row.doc.enabled === false ? 'off' : p.mode,
    retentionDays: p.retentionDays ?? classDays,
    preRollSeconds: p.preRollSeconds ?? config.events.preRollSeconds,
    postRollSeconds: p.postRollSeconds ?? config.events.postRollSeconds,
  };
}
