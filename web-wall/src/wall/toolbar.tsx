// The wall's toolbar: layout, player mode, presets, tour, alarm tile, sound.
import { useState } from 'preact/hooks';
import { t } from '../i18n/index.ts';
import { grids } from '../store/registry.ts';
import { setSound, soundOn } from '../alarms/alarm-sound.ts';
import { LAYOUT_IDS, tileCount } from './layouts.ts';
import { MIN_SECONDS, startTour, stopTour, tour } from './tour.ts';
import { alarmTileIndex, applyPreset, deletePreset, listPresets, savePreset, setAlarmTile, setLayout, setMode, wall } from './wall-state.ts';

export function Toolbar() {
  const w = wall.value;
  return (
    <div class="wall-toolbar" data-testid="wall-toolbar">
      <span class="group" role="group" aria-label={t('wall.layout')}>
        {LAYOUT_IDS.map((id) => (
          <button type="button" key={id} class={w.layout === id ? 'active' : ''} data-layout={id} onClick={() => setLayout(id)}>{id}</button>
        ))}
      </span>
      <label>
        {t('wall.mode')}{' '}
        <select value={w.mode} data-testid="play-mode" onChange={(e) => setMode(e.currentTarget.value as 'hls' | 'flv')}>
          <option value="hls">{t('wall.mode.hls')}</option>
          <option value="flv">{t('wall.mode.flv')}</option>
        </select>
      </label>
      <Presets />
      <TourControl />
      <label>
        {t('wall.alarmTileSelect')}{' '}
        <select value={alarmTileIndex()} onChange={(e) => setAlarmTile(Number(e.currentTarget.value))}>
          {Array.from({ length: tileCount(w.layout) }, (_, i) => <option key={i} value={i}>{t('wall.tileN', { n: i + 1 })}</option>)}
        </select>
      </label>
      <label class="inline">
        <input type="checkbox" checked={soundOn.value} data-testid="sound" onChange={(e) => setSound(e.currentTarget.checked)} /> {t('wall.sound')}
      </label>
    </div>
  );
}

function Presets() {
  const [name, setName] = useState('');
  const [, bump] = useState(0);
  const names = Object.keys(listPresets()).sort();
  return (
    <span class="group">
      <select value="" data-testid="presets" onChange={(e) => applyPreset(e.currentTarget.value)} aria-label={t('wall.presets')}>
        <option value="">{t('wall.choosePreset')}</option>
        {names.map((n) => <option key={n} value={n}>{n}</option>)}
      </select>
      <input size={10} placeholder={t('wall.presetName')} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      <button type="button" disabled={!name.trim()} onClick={() => { savePreset(name.trim()); setName(''); bump((n) => n + 1); }}>{t('wall.savePreset')}</button>
      {names.includes(name.trim()) && <button type="button" onClick={() => { deletePreset(name.trim()); bump((n) => n + 1); }}>{t('wall.deletePreset')}</button>}
    </span>
  );
}

function TourControl() {
  const [group, setGroup] = useState('');
  const [seconds, setSeconds] = useState(10);
  const running = tour.value;
  return (
    <span class="group" data-testid="tour">
      <select value={group} onChange={(e) => setGroup(e.currentTarget.value)} aria-label={t('wall.tour')} disabled={!!running}>
        <option value="">{t('wall.tourAll')}</option>
        {grids.value.map((g) => <option key={g.code} value={g.code}>{g.name}</option>)}
      </select>
      <input type="number" min={MIN_SECONDS} max={3600} value={seconds} title={t('wall.tourSeconds')} aria-label={t('wall.tourSeconds')} style={{ width: '4.5em' }}
        onInput={(e) => setSeconds(Number(e.currentTarget.value))} disabled={!!running} />
      {running
        ? <button type="button" class="active" onClick={stopTour}>{t('wall.tourStop')} · {t('wall.tourRunning', { page: running.page + 1 })}</button>
        : <button type="button" onClick={() => startTour(group || null, seconds)}>{t('wall.tourStart')}</button>}
    </span>
  );
}
