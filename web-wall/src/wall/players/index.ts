// Picks the player for the wall's mode: HLS (hls.js) or low-latency FLV (mpegts.js).
import type { PlayUrls } from '../../api/types.ts';
import { createFlvPlayer } from './flv-player.ts';
import { createHlsPlayer } from './hls-player.ts';
import type { Player, PlayerOptions } from './player.ts';

export type PlayMode = 'hls' | 'flv';
export type { Player, PlayerState } from './player.ts';

export function createPlayer(mode: PlayMode, urls: PlayUrls, opts: Omit<PlayerOptions, 'url'>): Player {
  if (mode === 'flv' && urls.flv) return createFlvPlayer({ ...opts, url: urls.flv });
  return createHlsPlayer({ ...opts, url: urls.hls });
}
