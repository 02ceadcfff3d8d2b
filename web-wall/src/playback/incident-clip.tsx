// The dispatch view's incident clips: each clip record on the incident's flow
// (`data.clip`, made by the gateway once the post-roll has passed) plays
// inline as a plain MP4 <video> with its thumbnail as the poster. The browser
// fetches both itself, so they carry the short-lived URL token.
import type { FlowRecord } from '../api/types.ts';
import { withUrlToken } from '../api/url-token.ts';
import { formatTime, t } from '../i18n/index.ts';
import './playback.css';
import './text.ts';

interface Clip { url: string; thumbnailUrl?: string; from: string; to: string; durationSeconds: number }

export const clipsOf = (flow: FlowRecord[]): Clip[] =>
  flow.map((f) => (f.action === 'clip' ? (f.data?.clip as Clip | undefined) : undefined)).filter((c): c is Clip => !!c?.url);

export function IncidentClips({ flow }: { flow: FlowRecord[] }) {
  const clips = clipsOf(flow);
  if (clips.length === 0) return null;
  return (
    <section class="detail-section incident-clip" data-testid="incident-clips">
      <h3>{t('playback.clip')}</h3>
      {clips.map((c) => (
        <figure key={c.url}>
          <video data-testid="incident-clip" src={withUrlToken(c.url)} poster={c.thumbnailUrl ? withUrlToken(c.thumbnailUrl) : undefined} controls muted playsInline autoplay preload="metadata" />
          <figcaption class="muted">{t('playback.clipRange', { from: formatTime(c.from, true), to: formatTime(c.to), seconds: Math.round(c.durationSeconds) })}</figcaption>
        </figure>
      ))}
    </section>
  );
}
