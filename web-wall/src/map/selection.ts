// What the operator clicked on the map: its panel shows beside the map.
import { signal } from '@preact/signals';

export type MapPick = { kind: 'channel' | 'sensor' | 'incident' | 'grid'; id: string };
export const picked = signal<MapPick | null>(null);
export const select = (pick: MapPick | null) => (picked.value = pick);
