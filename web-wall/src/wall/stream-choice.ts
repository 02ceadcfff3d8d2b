// Which stream a tile plays, as iVMS-like walls do: a small tile (9- and
// 16-tile layouts, the small tiles around 1+5 and 1+7) plays the camera's
// sub-stream (子码流) when it has one, so a 16-tile wall costs a fraction of
// the bandwidth and decoding; a large tile (1 or 4 tiles, the big tile of
// 1+5/1+7) and full screen play the main stream.
import { useEffect, useState } from 'preact/hooks';
import type { Channel } from '../api/types.ts';
import { LAYOUTS } from './layouts.ts';
import { wall } from './wall-state.ts';

export type StreamChoice = 'main' | 'sub';

/** Tiles this small or smaller (a third of the wall's width) get the sub-stream. */
const SMALL_TILE = 1 / 3;

export function chooseStream(p: { columns: number; span: number; fullscreen: boolean; hasSub: boolean }): StreamChoice {
  if (!p.hasSub || p.fullscreen) return 'main';
  return p.span / p.columns <= SMALL_TILE ? 'sub' : 'main';
}

/** The play-URL request for a channel's stream (the gateway answers main for a channel without a sub-stream). */
export const playPath = (channelId: string, stream: StreamChoice = 'main'): string =>
  `/api/channels/${encodeURIComponent(channelId)}/play${stream === 'sub' ? '?stream=sub' : ''}`;

/** Whether this element is the one shown full screen now. */
export function useFullscreen(el: HTMLElement | null): boolean {
  const [full, setFull] = useState(false);
  useEffect(() => {
    if (!el) return;
    const onChange = () => setFull(document.fullscreenElement === el);
    onChange();
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  }, [el]);
  return full;
}

/** The stream for a tile of `span` columns in the current layout. */
export function useStreamChoice(channel: Channel | undefined, span: number, tile: HTMLElement | null): StreamChoice {
  const fullscreen = useFullscreen(tile);
  const columns = LAYOUTS[wall.value.layout].columns;
  return chooseStream({ columns, span, fullscreen, hasSub: !!channel?.subSource });
}
