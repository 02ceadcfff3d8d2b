// The shell: sign-in (and a required password change), then the views the
// role may see, a header with the menu, the language switch and the user menu.
import { useEffect } from 'preact/hooks';
import { signal } from '@preact/signals';
import { on } from './api/events.ts';
import { t } from './i18n/index.ts';
import { route, go } from './router.ts';
import { me, mustChangePassword, viewsFor, type View } from './session.ts';
import { startRegistryPolling, stopRegistryPolling } from './store/registry.ts';
import { followIncidents } from './store/incidents.ts';
import { startAlarms } from './alarms/alarm-state.ts';
import { startAlarmSound } from './alarms/alarm-sound.ts';
import { loadWall } from './wall/wall-state.ts';
import { SignInPage } from './signin/signin-page.tsx';
import { MustChangePassword } from './signin/password-change.tsx';
import { UserMenu } from './signin/user-menu.tsx';
import { LangSwitch } from './ui/lang-switch.tsx';
import { WallView } from './wall/wall-view.tsx';
import { DispatchView } from './dispatch/dispatch-view.tsx';
import { SensorsView } from './sensors/sensors-view.tsx';
import { ConsoleView } from './console/console-view.tsx';
import { lazyView } from './lazy-view.tsx';
// Their menu labels now; their code (Leaflet, ECharts) when first opened.
import './map/text.ts';
import './dashboard/text.ts';
import { LinkageOffers } from './map/linkage-offer.tsx';
import { startLinkage } from './map/linkage.ts';

const eventsOpen = signal(true);
on('connection', ({ open }) => (eventsOpen.value = open));

const VIEW_COMPONENTS: Record<View, () => preact.JSX.Element> = {
  wall: WallView,
  map: lazyView(() => import('./map/map-view.tsx').then((m) => m.MapView)),
  dashboard: lazyView(() => import('./dashboard/dashboard-view.tsx').then((m) => m.DashboardView)),
  dispatch: DispatchView,
  sensors: SensorsView,
  console: ConsoleView,
};

export function App() {
  const who = me.value;
  const locked = mustChangePassword();
  useEffect(() => {
    if (!who || locked) return;
    startRegistryPolling();
    followIncidents();
    // Whoever has the wall gets its alarms (flash, alarm tile, chime) on every view, not only while the wall is open.
    const hasWall = viewsFor(who.role).includes('wall');
    if (hasWall) loadWall();
    const alarms = hasWall ? [startAlarms(), startAlarmSound(), startLinkage()] : [];
    return () => {
      stopRegistryPolling();
      for (const stop of alarms) stop();
    };
  }, [who?.keyId ?? who?.userId, locked]);
  if (!who) return <SignInPage />;
  if (locked) return <MustChangePassword />;

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
        <UserMenu />
      </header>
      <main class="view">
        <Current />
      </main>
      <LinkageOffers />
    </div>
  );
}
