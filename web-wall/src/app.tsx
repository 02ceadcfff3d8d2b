// The shell: login, then the views the role may see, a header with the menu,
// the language switch and who is logged in.
import { useEffect } from 'preact/hooks';
import { signal } from '@preact/signals';
import { on } from './api/events.ts';
import { t } from './i18n/index.ts';
import { route, go } from './router.ts';
import { logout, me, viewsFor, type View } from './session.ts';
import { startRegistryPolling, stopRegistryPolling } from './store/registry.ts';
import { followIncidents } from './store/incidents.ts';
import { startAlarms } from './alarms/alarm-state.ts';
import { startAlarmSound } from './alarms/alarm-sound.ts';
import { loadWall } from './wall/wall-state.ts';
import { Login } from './ui/login.tsx';
import { LangSwitch } from './ui/lang-switch.tsx';
import { WallView } from './wall/wall-view.tsx';
import { DispatchView } from './dispatch/dispatch-view.tsx';
import { SensorsView } from './sensors/sensors-view.tsx';
import { ConsoleView } from './console/console-view.tsx';

const eventsOpen = signal(true);
on('connection', ({ open }) => (eventsOpen.value = open));

const VIEW_COMPONENTS: Record<View, () => preact.JSX.Element> = {
  wall: WallView,
  dispatch: DispatchView,
  sensors: SensorsView,
  console: ConsoleView,
};

export function App() {
  const who = me.value;
  useEffect(() => {
    if (!who) return;
    startRegistryPolling();
    followIncidents();
    // Whoever has the wall gets its alarms (flash, alarm tile, chime) on every view, not only while the wall is open.
    const hasWall = viewsFor(who.role).includes('wall');
    if (hasWall) loadWall();
    const alarms = hasWall ? [startAlarms(), startAlarmSound()] : [];
    return () => {
      stopRegistryPolling();
      for (const stop of alarms) stop();
    };
  }, [who?.keyId]);
  if (!who) return <Login />;

  const views = viewsFor(who.role);
  const current = (views.includes(route.value[0] as View) ? route.value[0] : views[0]) as View;
  const Current = VIEW_COMPONENTS[current];
  return (
    <div class="shell" data-view={current} data-role={who.role}>
      <header class="topbar">
        <span class="brand">{t('app.short')}</span>
        <nav>
          {views.map((v) => (
            <a key={v} href={`#/${v}`} class={v === current ? 'active' : ''} data-testid={`nav-${v}`} onClick={(e) => { e.preventDefault(); go(v); }}>
              {t(`nav.${v}`)}
            </a>
          ))}
        </nav>
        <span class="spacer" />
        {!eventsOpen.value && <span class="warn" role="status">{t('events.offline')}</span>}
        <LangSwitch />
        <span class="who" data-testid="who">{who.name} · {t(`role.${who.role}`)}</span>
        <button type="button" onClick={logout}>{t('logout')}</button>
      </header>
      <main class="view">
        <Current />
      </main>
    </div>
  );
}
