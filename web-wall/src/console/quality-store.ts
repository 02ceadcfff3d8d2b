// Video quality diagnosis per camera (GET /api/video/quality), polled while a
// view that shows it is mounted. The gateway looks at a camera every few
// minutes, so a slow poll is enough.
import { signal } from '@preact/signals';
import { api } from '../api/client.ts';

export interface QualityCheck {
  name: string;
  value: number | null;
  threshold: number;
  when: 'below' | 'above';
  verdict: 'ok' | 'defect' | 'n/a';
}

export interface ChannelQuality {
  channelId: string;
  verdict: 'ok' | 'defect' | 'unchecked';
  checkedAt: string | null;
  source?: 'tap' | 'keyframe';
  defects: string[];
  checks: QualityCheck[];
  incident: { open: boolean; defects: string[] } | null;
}

export const quality = signal<Map<string, ChannelQuality>>(new Map());

const EVERY_MS = 10_000;
let users = 0;
let timer: number | undefined;

async function refresh(): Promise<void> {
  try {
    const page = await api<{ items: ChannelQuality[] }>('/api/video/quality');
    quality.value = new Map(page.items.map((q) => [q.channelId, q]));
  } catch (err) {
    // A gateway without video quality (video off) answers 404: the column stays empty.
    console.warn('video quality not available', err);
  }
}

/** Starts polling for one more user; the returned function stops it for that user. */
export function useQualityPolling(): () => void {
  if (users++ === 0) {
    void refresh();
    timer = window.setInterval(() => void refresh(), EVERY_MS);
  }
  return () => {
    if (--users === 0) window.clearInterval(timer);
  };
}
