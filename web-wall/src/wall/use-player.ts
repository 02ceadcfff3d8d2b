// A tile's player as a hook: asks the gateway for play URLs, creates the
// player while the tile shows a camera and is on screen, and destroys it
// completely when the camera, the mode or the visibility changes.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api/client.ts';
import type { PlayUrls } from '../api/types.ts';
import { playPath, type StreamChoice } from './stream-choice.ts';
import { createPlayer, type Player, type PlayerState, type PlayMode } from './players/index.ts';

export type TileState = { kind: 'empty' } | PlayerState;

export function usePlayer(video: HTMLVideoElement | null, channelId: string | null, mode: PlayMode, enabled: boolean, attempt: number, stream: StreamChoice = 'main') {
  const [state, setState] = useState<TileState>({ kind: 'empty' });
  const player = useRef<Player | null>(null);

  useEffect(() => {
    if (!video || !channelId || !enabled) {
      setState({ kind: 'empty' });
      return;
    }
    const abort = new AbortController();
    let current: Player | null = null;
    setState({ kind: 'loading' });
    api<PlayUrls>(playPath(channelId, stream), { signal: abort.signal })
      .then((urls) => {
        if (abort.signal.aborted) return;
        current = createPlayer(mode, urls, { video, onState: (s) => !abort.signal.aborted && setState(s) });
        player.current = current;
      })
      .catch((err: unknown) => {
        if (abort.signal.aborted) return;
        setState({ kind: 'failed', reason: err instanceof ApiError ? err.body.message : (err as Error).message });
      });
    return () => {
      abort.abort();
      current?.destroy();
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
