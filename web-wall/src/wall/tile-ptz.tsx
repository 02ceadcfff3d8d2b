// The PTZ panel (云台) of a GB28181 tile or of an ONVIF camera that has PTZ:
// arrows and zoom held down to move (released: stop), a speed, and the
// camera's presets — go to, set (with a name), remove. Everything goes through
// POST /api/channels/{id}/ptz, whichever protocol steers the camera; the
// preset list is read on opening (GET …/ptz/presets) and comes back in each answer.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { Channel } from '../api/types.ts';
import { t } from '../i18n/index.ts';
import './tile-ptz-text.ts';

type Preset = { index: number; name?: string };
type Move = { pan?: 'left' | 'right'; tilt?: 'up' | 'down'; zoom?: 'in' | 'out' };

const MOVES: Array<[string, Move, string]> = [
  ['up', { tilt: 'up' }, '▲'], ['left', { pan: 'left' }, '◀'], ['right', { pan: 'right' }, '▶'], ['down', { tilt: 'down' }, '▼'],
  ['zoom-in', { zoom: 'in' }, '+'], ['zoom-out', { zoom: 'out' }, '−'],
];

/** Channels the panel steers: GB28181 channels, and ONVIF cameras that said they have PTZ. */
export function canSteer(channel: Channel): boolean {
  return channel.kind === 'gb28181' || channel.onvif?.facts?.capabilities.ptz === true;
}

export function TilePtz({ channel }: { channel: Channel }) {
  const [presets, setPresets] = useState<Preset[]>(channel.ptzPresets ?? []);
  const [speed, setSpeed] = useState(128);
  const [index, setIndex] = useState(1);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const send = async (body: Record<string, unknown>) => {
    try {
      const res = await api<{ ptzPresets?: Preset[] }>(`/api/channels/${encodeURIComponent(channel.id)}/ptz`, { method: 'POST', body });
      if (res.ptzPresets) setPresets(res.ptzPresets);
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  // Opened: the presets as they are now (an ONVIF camera's own list, presets set elsewhere included).
  useEffect(() => {
    let gone = false;
    api<{ ptzPresets: Preset[] }>(`/api/channels/${encodeURIComponent(channel.id)}/ptz/presets`).then(
      (res) => !gone && setPresets(res.ptzPresets),
      (err: Error) => !gone && setError(err.message),
    );
    return () => void (gone = true);
  }, [channel.id]);
  const move = (m: Move) => send({ ...m, ...(m.pan ? { panSpeed: speed } : {}), ...(m.tilt ? { tiltSpeed: speed } : {}), ...(m.zoom ? { zoomSpeed: Math.max(1, speed >> 4) } : {}) });
  const stop = () => void send({});
  const label = (p: Preset) => p.name ?? t('ptz.presetN', { n: p.index });
  return (
    <div class="tile-ptz" data-testid="tile-ptz" onClick={(e) => e.stopPropagation()} onDblClick={(e) => e.stopPropagation()}>
      <div class="tile-ptz-pad">
        {MOVES.map(([key, m, glyph]) => (
          <button type="button" key={key} data-testid={`ptz-${key}`} title={t(`ptz.${key}`)} onPointerDown={() => void move(m)} onPointerUp={stop} onPointerLeave={stop}>{glyph}</button>
        ))}
      </div>
      <label>{t('ptz.speed')} <input type="range" min={1} max={255} value={speed} onInput={(e) => setSpeed(Number((e.target as HTMLInputElement).value))} /></label>
      <ul class="tile-ptz-presets" data-testid="ptz-presets">
        {presets.map((p) => (
          <li key={p.index} data-index={p.index}>
            <button type="button" data-testid="ptz-preset-call" onClick={() => void send({ preset: { action: 'call', index: p.index } })}>{label(p)}</button>
            <button type="button" data-testid="ptz-preset-delete" title={t('ptz.delete')} onClick={() => void send({ preset: { action: 'delete', index: p.index } })}>×</button>
          </li>
        ))}
      </ul>
      <div class="tile-ptz-set">
        <input type="number" min={1} max={255} value={index} data-testid="ptz-preset-index" onInput={(e) => setIndex(Number((e.target as HTMLInputElement).value))} />
        <input type="text" maxLength={32} value={name} placeholder={t('ptz.name')} data-testid="ptz-preset-name" onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <button type="button" data-testid="ptz-preset-set" title={t('ptz.setTitle')} onClick={() => void send({ preset: { action: 'set', index, ...(name.trim() ? { name: name.trim() } : {}) } })}>{t('ptz.set')}</button>
      </div>
      {error && <p class="tile-ptz-error" data-testid="ptz-error">{error}</p>}
    </div>
  );
}
