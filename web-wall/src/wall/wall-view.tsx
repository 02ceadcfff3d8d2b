// The operators' video wall: camera tree on the left, the tiles with their
// toolbar in the middle, live alarms (and the sensor panel) on the right.
import { useEffect } from 'preact/hooks';
import './text.ts';
import './wall.css';
import { activeAlarms } from '../alarms/alarm-state.ts';
import { unlockAudio } from '../alarms/alarm-sound.ts';
import { AlarmPanel } from '../alarms/alarm-panel.tsx';
import { SensorPanel } from '../sensors/sensor-panel.tsx';
import { CameraTree } from './camera-tree.tsx';
import { LAYOUTS } from './layouts.ts';
import { Tile } from './tile.tsx';
import { Toolbar } from './toolbar.tsx';
import { Timeline } from '../playback/timeline.tsx';
import { stopTour } from './tour.ts';
import { alarmTileIndex, wall } from './wall-state.ts';

export function WallView() {
  // Alarms run for the whole session (app.tsx); the wall only shows them. A tour ends with the view.
  useEffect(() => {
    unlockAudio();
    return stopTour;
  }, []);
  const w = wall.value;
  const layout = LAYOUTS[w.layout];
  const alarmTile = alarmTileIndex();
  return (
    <div class="wall">
      <aside class="panel wall-left"><CameraTree /></aside>
      <section class="wall-center">
        <Toolbar />
        <div class="tiles" data-layout={w.layout} style={{ gridTemplateColumns: `repeat(${layout.columns}, 1fr)`, gridTemplateRows: `repeat(${layout.columns}, 1fr)` }}>
          {layout.areas.map((area, i) => {
            const channelId = w.tiles[i] ?? null;
            return <Tile key={i} index={i} channelId={channelId} mode={w.mode} area={area} alarm={channelId ? activeAlarms.value.get(channelId) : undefined} isAlarmTile={i === alarmTile} />;
          })}
        </div>
        <Timeline />
      </section>
      <aside class="wall-right">
        <AlarmPanel />
        <SensorPanel />
      </aside>
    </div>
  );
}
