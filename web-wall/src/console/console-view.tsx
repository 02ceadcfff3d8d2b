// The engineer's device console (设备管理): cameras and sensors with their live
// status and why one is offline, forms to add and change them one at a time,
// and bulk import from a spreadsheet. Routes: #/console/channels[/new|/edit/<id>],
// #/console/sensors[/new|/edit/<id>], #/console/import, #/console/onvif (ONVIF scan and import), and a camera's detection
// zones at #/console/channels/zones/<id>. Engineers and admins only; admins
// also get People (#/console/people[/new|/edit/<id>]) and API keys (#/console/keys).
import './text.ts';
import './console.css';
import { t } from '../i18n/index.ts';
import { go, route } from '../router.ts';
import { can, me } from '../session.ts';
import { ChannelForm } from './channel-form.tsx';
import { ChannelList } from './channel-list.tsx';
import { flashMessage } from './flash.ts';
import { ImportPanel } from './import-panel.tsx';
import { SensorForm } from './sensor-form.tsx';
import { SensorList } from './sensor-list.tsx';
import { ZoneEditor } from './zone-editor.tsx';
import { PeopleList } from './people-list.tsx';
import { PeopleForm } from './people-form.tsx';
import { KeysList } from './keys-list.tsx';
import { OnvifPage } from './onvif-page.tsx';
import './people-page.css';

const TABS = ['channels', 'sensors', 'import', 'onvif', 'people', 'keys'] as const;
type Tab = (typeof TABS)[number];
const ADMIN_TABS: readonly Tab[] = ['people', 'keys'];

/** `new` → a blank form, `edit/<id>` → that device's form, nothing → the list. */
function formTarget(parts: string[]): { form: false } | { form: true; id?: string } {
  if (parts[2] === 'new') return { form: true };
  if (parts[2] === 'edit' && parts[3]) return { form: true, id: parts[3] };
  return { form: false };
}

export function ConsoleView() {
  if (!can(me.value?.role, 'engineer', 'admin')) {
    return <section class="placeholder" data-testid="console-forbidden">{t('console.forbidden')}</section>;
  }
  const parts = route.value[0] === 'console' ? route.value : ['console'];
  const tabs = me.value?.role === 'admin' ? TABS : TABS.filter((name) => !ADMIN_TABS.includes(name));
  const tab: Tab = tabs.includes(parts[1] as Tab) ? (parts[1] as Tab) : 'channels';
  const target = formTarget(parts);
  return (
    <div class="console" data-testid="console" data-tab={tab}>
      <nav class="console-tabs">
        {tabs.map((name) => (
          <a key={name} href={`#/console/${name}`} class={name === tab ? 'active' : ''} data-testid={`console-tab-${name}`}
            onClick={(e) => { e.preventDefault(); go('console', name); }}>
            {t(`console.tab.${name}`)}
          </a>
        ))}
        {flashMessage.value?.tab === tab && !target.form && (
          <span class="flash" role="status" data-testid="flash">
            {flashMessage.value.text}
            <button type="button" aria-label={t('common.close')} onClick={() => (flashMessage.value = null)}>×</button>
          </span>
        )}
      </nav>
      <div class="console-body">
        {tab === 'channels' && parts[2] === 'zones' && parts[3] ? <ZoneEditor key={parts[3]} id={parts[3]} /> : tab === 'channels' && (target.form ? <ChannelForm key={target.id ?? 'new'} id={target.id} /> : <ChannelList />)}
        {tab === 'sensors' && (target.form ? <SensorForm key={target.id ?? 'new'} id={target.id} /> : <SensorList />)}
        {tab === 'import' && <div class="scroll-page"><ImportPanel /></div>}
        {tab === 'onvif' && <OnvifPage />}
        {tab === 'people' && (target.form ? <PeopleForm key={target.id ?? 'new'} id={target.id} /> : <PeopleList />)}
        {tab === 'keys' && <KeysList />}
      </div>
    </div>
  );
}
