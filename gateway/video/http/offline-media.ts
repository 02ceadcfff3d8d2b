// Old media is never shown as live. Between runs (the camera went offline,
// the ingest waits to retry) the last run's segments are still on disk: a
// snapshot of an offline channel is refused with the reason, and its playlist
// is served ended (#EXT-X-ENDLIST), so players stop instead of looping old
// video. A new run clears the directory first, so what it lists is live again.
import { GwError } from '../../../device-registry/index.ts';
import type { ChannelVideoStatus } from '../channel-status.ts';

/** Media on disk is live while the ingest is starting (its directory was cleared) or online. */
export function isLive(status: Pick<ChannelVideoStatus, 'state'> | undefined): boolean {
  return status?.state === 'starting' || status?.state === 'online';
}

/** 503 naming the reason, unless the channel's media is live. */
export function refuseUnlessLive(channelId: string, status: Pick<ChannelVideoStatus, 'state' | 'reason'> | undefined): void {
  if (isLive(status)) return;
  const why = `${status?.state ?? 'not running'}${status?.reason ? `: ${status.reason}` : ''}`;
  throw new GwError('GW_ERR_UNAVAILABLE', `channel '${channelId}' has no live picture (${why})`, 'id');
}

/** The playlist as served: ended when the channel is not live, as it is. */
export function playlistFor(text: string, status: Pick<ChannelVideoStatus, 'state'> | undefined): string {
  if (isLive(status) || text.includes('#EXT-X-ENDLIST')) return text;
  return `${text.endsWith('\n') ? text : `${text}\n`}#EXT-X-ENDLIST\n`;
}
