// A camera's live picture with the wall's own player (self-healing, the wall's
// HLS/FLV mode), and "send to wall" to put it in the selected or first free tile.
import { useState } from 'preact/hooks';
import { t } from '../i18n/index.ts';
import { go } from '../router.ts';
import { usePlayer } from '../wall/use-player.ts';
import { placeCamera, wall } from '../wall/wall-state.ts';

export function CameraPreview({ channelId, name, compact = false }: { channelId: string; name: string; compact?: boolean }) {
  const [video, setVideo] = useState<HTMLVideoElement | null>(null);
  const { state } = usePlayer(video, channelId, wall.value.mode, true, 0, compact ? 'sub' : 'main');
  return (
    <div class={`map-preview${compact ? ' compact' : ''}`} data-testid="map-preview" data-channel={channelId} data-state={state.kind}>
      <video ref={setVideo} muted playsInline autoPlay />
      <div class="map-preview-bar">
        <span class="name">{name}</span>
        <span class="muted">{t(`map.player.${state.kind}`)}</span>
        <button type="button" data-testid="send-to-wall" onClick={() => { placeCamera(channelId); go('wall'); }}>{t('map.sendToWall')}</button>
      </div>
    </div>
  );
}
