// One camera in the list: who it is, where, and how its video is doing right
// now — the live badge with the reason it is offline, the input the gateway
// sees (codec, size, fps), the bitrate it makes and how often it restarted.
import type { Channel, ChannelVideoStatus } from '../api/types.ts';
import { label, t } from '../i18n/index.ts';
import { go } from '../router.ts';
import { gridByCode, offlineReason, offlineReasonText, videoStatus } from '../store/registry.ts';
import type { LiveState } from './channel-filter.ts';
import { QualityBadge } from './quality-badge.tsx';
import { LastProblem } from './last-problem.tsx';
import './zone-text.ts';

const inputText = (s?: ChannelVideoStatus) =>
  s?.input ? `${s.input.codec} ${s.input.width}×${s.input.height}${s.input.fps ? ` @${s.input.fps}` : ''}` : '—';

export function ChannelRow({ channel: c, state }: { channel: Channel; state: LiveState }) {
  const video = videoStatus.value.get(c.id);
  const reason = state === 'online' ? undefined : c.enabled ? offlineReason(c) : 'disabled';
  const grid = c.gridCode ? gridByCode.value.get(c.gridCode) : undefined;
  const edit = () => go('console', 'channels', 'edit', c.id);
  return (
    <tr data-channel={c.id} data-state={state} onDblClick={edit}>
      <td class="mono">{c.id}</td>
      <td>{c.name}</td>
      <td>{label('kind', c.kind)}</td>
      <td title={c.gridCode}>{grid?.name ?? c.gridCode ?? '—'}</td>
      <td>{label('console.mode', c.mode)}</td>
      <td>{c.detectionProfile ?? '—'}</td>
      <td class="col-status">
        <span class={`badge ${state}`} data-testid="state">{label('state', state)}</span>
        {reason && <span class={`reason ${state}`} data-reason={reason} title={video?.lastError ?? reason}>{c.enabled ? offlineReasonText(c) : label('reason', reason)}</span>}
        {reason && video?.lastError && <small class="last-error">{video.lastError}</small>}
        <LastProblem video={video} shownReason={reason} />
      </td>
      <td class="mono">{inputText(video)}</td>
      <td class="num">{video?.hls && state === 'online' ? t('console.kbps', { value: video.hls.bitrateKbps }) : '—'}</td>
      <td class="num">{video?.restarts ?? 0}</td>
      <td class="col-quality"><QualityBadge channelId={c.id} /></td>
      <td>
        <button type="button" data-testid="edit" onClick={edit}>{t('common.edit')}</button>
        {c.detectionProfile && <button type="button" data-testid="zones" onClick={() => go('console', 'channels', 'zones', c.id)}>{t('zones.open')}</button>}
      </td>
    </tr>
  );
}
