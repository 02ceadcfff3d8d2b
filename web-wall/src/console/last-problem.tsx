// The last known problem of a camera that is not online: an on-demand camera
// with a dead URL rests idle once nobody watches, but the engineer still
// needs to see that its last try failed, why, and when.
import type { ChannelVideoStatus } from '../api/types.ts';
import { formatTime, t } from '../i18n/index.ts';
import { codedReasonText } from '../i18n/vocabulary.ts';
import './extra-text.ts';

export function LastProblem({ video, shownReason }: { video?: ChannelVideoStatus; shownReason?: string }) {
  const p = video?.lastProblem;
  if (!p || video.state === 'online') return null;
  // Offline for that same reason: the badge already says it; only the time is new.
  const same = shownReason === p.reason;
  return (
    <small class="last-problem" data-testid="last-problem" data-reason={p.reason} title={p.line ?? p.reason}>
      {same ? t('console.lastProblem.since', { time: formatTime(p.at, true) }) : t('console.lastProblem.was', { reason: codedReasonText(p) ?? p.reason, time: formatTime(p.at, true) })}
    </small>
  );
}
