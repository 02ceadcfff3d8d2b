// A tile's own tools over its picture: digital zoom (wheel, drag), the
// snapshot button, and which stream plays (main or sub) beside the stats.
// Kept out of tile.tsx, which wires it in with one element.
import type { RefObject } from 'preact';
import { useState } from 'preact/hooks';
import { t } from '../i18n/index.ts';
import type { Channel } from '../api/types.ts';
import type { StreamChoice } from './stream-choice.ts';
import './tile-tools-text.ts';
import './tile-tools.css';
import { download, grabFrame, snapshotFileName } from './tile-snapshot.ts';
import { useTileZoom } from './tile-zoom.ts';

interface TileToolsProps {
  tile: HTMLElement | null;
  video: HTMLVideoElement | null;
  canvas: RefObject<HTMLCanvasElement | null>;
  channel: Channel;
  stream: StreamChoice;
  playing: boolean;
}

export function TileTools({ tile, video, canvas, channel, stream, playing }: TileToolsProps) {
  const { zoom, reset } = useTileZoom(tile, [video, canvas.current], channel.id);
  const [busy, setBusy] = useState(false);
  const snapshot = async () => {
    if (!video || busy) return;
    setBusy(true);
    try {
      const jpeg = await grabFrame(video);
      if (jpeg) download(jpeg, snapshotFileName(channel.name));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      {playing && (
        <div class="tile-tools" onClick={(e) => e.stopPropagation()} onDblClick={(e) => e.stopPropagation()}>
          {zoom.scale > 1 && (
            <button type="button" class="tile-zoom" data-testid="tile-zoom" title={t('wall.zoomReset')} onClick={reset}>{`${zoom.scale.toFixed(1)}×`}</button>
          )}
          <button type="button" class="tile-snapshot" data-testid="tile-snapshot" title={t('wall.snapshot')} disabled={busy} onClick={() => void snapshot()}>{t('wall.snapshotShort')}</button>
        </div>
      )}
      {playing && <span class={`tile-stream ${stream}`} data-testid="tile-stream" data-stream={stream}>{t(`wall.stream.${stream}`)}</span>}
    </>
  );
}
