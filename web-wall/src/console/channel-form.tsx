// Add or edit one camera (#/console/channels/new, #/console/channels/edit/<id>).
// A new RTMP camera gets its push key generated unless one is given; the
// gateway shows a generated key once, so the form shows the push URL then.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { Channel } from '../api/types.ts';
import { t } from '../i18n/index.ts';
import { go } from '../router.ts';
import { refreshLists } from '../store/registry.ts';
import { CHANNEL_FIELDS, channelBody, channelDraftOf, channelPatch } from './channel-draft.ts';
import { ChannelFields } from './channel-fields.tsx';
import { loadProfiles } from './detection-profiles.ts';
import { flash } from './flash.ts';
import { FormPage } from './form-page.tsx';
import { OnvifFacts } from './onvif-facts.tsx';
import { useDeviceForm } from './use-device-form.ts';

type Created = Channel & { revealedOnce?: { pushKey?: string } };
const back = () => go('console', 'channels');

/** Where an encoder pushes: the gateway's RTMP port and application, as it reports them. */
async function pushUrl(key: string): Promise<string> {
  const { rtmp } = await api<{ rtmp: { port: number; app: string } | null }>('/api/video/ingest');
  return rtmp ? `rtmp://${location.hostname}:${rtmp.port}/${rtmp.app}/${key}` : t('console.channel.rtmpOff');
}

export function ChannelForm({ id }: { id?: string }) {
  const [pushed, setPushed] = useState<{ id: string; url: string } | null>(null);
  useEffect(() => void loadProfiles(), []);
  const form = useDeviceForm<Channel, ReturnType<typeof channelDraftOf>>({
    collection: '/api/channels', id, fields: CHANNEL_FIELDS, draftOf: channelDraftOf,
    body: (d) => ({ body: channelBody(d) }),
    patch: (loaded, d) => ({ body: channelPatch(loaded, d) }),
    refresh: refreshLists,
    created: (channel: Created, d) => {
      const key = channel.revealedOnce?.pushKey ?? (d.pushKey.trim() || undefined);
      if (channel.kind !== 'rtmp' || !key) return false;
      void pushUrl(key).then((url) => setPushed({ id: channel.id, url }), (err: Error) => setPushed({ id: channel.id, url: `rtmp://${location.hostname}:1935/live/${key} (${err.message})` }));
      return true;
    },
    close: (message) => { flash(message); back(); },
  });

  if (pushed) return <PushUrlNotice {...pushed} />;
  const { loaded, draft, setDraft, problems } = form;
  return (
    <FormPage
      testId="channel-form" title={id ? t('console.channel.editTitle', { id }) : t('console.channel.newTitle')}
      loading={Boolean(id && !loaded)} version={loaded?.entity.version} deleteName={loaded?.entity.name} form={form} cancel={back}
      after={loaded?.entity.onvif && <OnvifFacts channel={{ ...loaded.entity, onvif: loaded.entity.onvif }} />}
    >
      <ChannelFields draft={draft} set={(patch) => setDraft({ ...draft, ...patch })} problems={problems} editing={Boolean(id)} />
    </FormPage>
  );
}

function PushUrlNotice({ id, url }: { id: string; url: string }) {
  return (
    <div class="scroll-page console-form-page">
      <section class="panel console-form" data-testid="push-url">
        <h2>{t('console.form.created', { id })}</h2>
        <div class="body pad">
          <p>{t('console.channel.pushUrl')}</p>
          <p><code class="push-url">{url}</code></p>
          <p class="warn">{t('console.channel.pushOnce')}</p>
          <button type="button" class="primary" onClick={back}>{t('common.close')}</button>
        </div>
      </section>
    </div>
  );
}
