// An upper platform's RecordInfo for a channel that is not GB28181 (RTSP,
// RTMP): answered from the footage the gateway keeps itself (gateway/recording,
// the recording index), as a device would answer from its disk. Consecutive
// segments of one class become one record (a gap over 1.5 s starts another),
// clipped to the asked range: continuous footage is Type `time`, footage kept
// for incidents `alarm`.
import type { Segment } from '../../recording/store/recording-index.ts';
import type { DeviceRecord, RecordType } from '../records/record-info.ts';

export interface SegmentIndex {
  segments(channelId: string, fromMs: number, toMs: number): Promise<{ segments: Segment[] }>;
}

/** Segments this close are one recording (ffmpeg restarts and cuts leave small gaps). */
const JOIN_MS = 1500;

export async function ownRecords(index: SegmentIndex, channelId: string, code: string, from: number, to: number, type: RecordType): Promise<DeviceRecord[]> {
  if (type === 'manual') return [];
  const { segments } = await index.segments(channelId, from, to);
  const wanted = segments.filter((s) => type === 'all' || typeOf(s) === type).sort((a, b) => a.startMs - b.startMs);
  const records: DeviceRecord[] = [];
  for (const s of wanted) {
    const last = records.at(-1);
    if (last && last.type === typeOf(s) && s.startMs - last.endAt <= JOIN_MS) last.endAt = Math.max(last.endAt, s.endMs);
    else records.push({ deviceId: code, name: code, startAt: s.startMs, endAt: s.endMs, type: typeOf(s), secrecy: 0 });
  }
  return records.map((r) => ({ ...r, startAt: Math.max(r.startAt, from), endAt: Math.min(r.endAt, to) })).filter((r) => r.endAt > r.startAt);
}

const typeOf = (s: Segment): 'time' | 'alarm' => (s.class === 'events' ? 'alarm' : 'time');
