// A tile's player as a hook: a self-healing player (players/healing-player.ts)
// while the tile shows a camera and is on screen, destroyed completely when
// the camera, the mode or the visibility changes.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { PlayUrls } from '../api/types.ts';
import { playPath, type StreamChoice } from './stream-choice.ts';
import { HealingPlayer } from './players/healing-player.ts';
import type { Player, PlayerState, PlayMode } from './players/index.ts';

export type TileState = { kind: 'empty' } | PlayerState;

export function usePlayer(video: HTMLVideoElement | null, channelId: string | null, mode: PlayMode, enabled: boolean, attempt: number, stream: StreamChoice = 'main') {
  const [state, setState] = useState<TileState>({ kind: 'empty' });
  const player = useRef<Player | null>(null);

  useEffect(() => {
    if (!video || !channelId || !enabled) {
      setState({ kind: 'empty' });
      return;
    }
    let live = true;
    // Reloads after a stall ask for the URLs again: a fresh media token each time.
    const urls = (signal: AbortSignal) => api<PlayUrls>(playPath(channelId, stream), { signal });
    const current = new HealingPlayer({ video, mode, urls, onState: (s) => live && setState(s) });
    player.current = current;
    return () => {
      live = false;
      current.destroy();
      player.current = null;
    };
  }, [video, channelId, mode, enabled, attempt, stream]);

  return { state, player };
}

/** Whether an element is on screen and the page is visible: tiles out of sight do not play. */
export function useOnScreen(el: HTMLElement | null): boolean {
  const [intersecting, setIntersecting] = useState(true);
  const [pageVisible, setPageVisible] = useState(!document.hidden);
  useEffect(() => {
    if (!el) return;
    const io = new IntersectionObserver((entries) => setIntersecting(entries.some((e) => e.isIntersecting)));
    io.observe(el);
    return () => io.disconnect();
  }, [el]);
  useEffect(() => {
    const onChange = () => setPageVisible(!document.hidden);
    document.addEventListener('visibilitychange', onChange);
    return () => document.removeEventListener('visibilitychange', onChange);
  }, []);
  return intersecting && pageVisible;
}
