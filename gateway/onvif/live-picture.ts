// The picture attached to a camera event: the channel's latest live frame
// when its ingest runs (the frame tap, else the newest HLS segment's first
// frame, as /api/channels/{id}/snapshot.jpg gives), else the camera's own
// snapshot URI over ONVIF, so an on-demand channel nobody watches still gets one.
import type { VideoRoom } from '../video/index.ts';
import { snapshotJpeg } from '../video/snapshot.ts';

export type LivePicture = (channelId: string) => Promise<Buffer | undefined>;

export function livePicture(video: VideoRoom, ffmpegPath: string): LivePicture {
  return async (channelId) => {
    if (video.manager.status(channelId)?.state !== 'online') return undefined;
    const snapshot = await snapshotJpeg({ channelId, ffmpegPath, hlsDir: video.manager.hlsDir(channelId), tapFrame: video.frames.latestFrame(channelId) });
    return snapshot?.jpeg;
  };
}
