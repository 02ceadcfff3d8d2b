// A camera added from ONVIF, on its page: what it said about itself (maker,
// model, firmware, serial, profiles, PTZ and events, its clock's skew) and a
// button to read it again (POST /api/onvif/channels/{id}/refresh).
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { Channel, ChannelOnvif } from '../api/types.ts';
import { t } from '../i18n/index.ts';
import { refreshLists } from '../store/registry.ts';
import './onvif-text.ts';
import { OnvifEventsStatus } from './onvif-events-status.tsx';

const yesNo = (v: boolean) => (v ? t('console.onvif.yes') : t('console.onvif.no'));
const size = (p: { width?: number; height?: number }) => (p.width && p.height ? `${p.width}×${p.height}` : '');

export function OnvifFacts({ channel, reloaded }: { channel: Channel & { onvif: ChannelOnvif }; reloaded?: (c: Channel) => void }) {
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<(() => string) | null>(null);
  const { onvif } = channel;
  const facts = onvif.facts;
  const refresh = async () => {
    setBusy(true);
    try {
      const fresh = await api<Channel>(`/api/onvif/channels/${encodeURIComponent(channel.id)}/refresh`, { method: 'POST', body: {} });
      setNote(() => () => t('console.onvif.refreshed'));
      await refreshLists();
      reloaded?.(fresh);
    } catch (err) {
      setNote(() => () => t('console.onvif.refreshFailed', { message: (err as Error).message }));
    } finally {
      setBusy(false);
    }
  };
  const rows: Array<[string, string]> = facts
    ? [
        ['console.onvif.maker', facts.manufacturer], ['console.onvif.model', facts.model], ['console.onvif.firmware', facts.firmware], ['console.onvif.serial', facts.serial],
        ['console.onvif.capabilities', `${t('console.onvif.ptz')} ${yesNo(facts.capabilities.ptz)} · ${t('console.onvif.events')} ${yesNo(facts.capabilities.events)}`],
        ['console.onvif.clockSkew', t('console.onvif.skewSeconds', { seconds: Math.round(facts.clockSkewMs / 100) / 10 })],
        ['console.onvif.readAt', new Date(facts.readAt).toLocaleString()],
      ]
    : [];
  return (
    <section class="panel console-form onvif-facts" data-testid="onvif-facts">
      <h2>{t('console.onvif.facts')}</h2>
      <div class="body pad">
        <dl class="facts">
          <div><dt>{t('console.onvif.service')}</dt><dd class="mono">{onvif.xaddr}</dd></div>
          {rows.map(([key, value]) => <div key={key} data-fact={key.split('.').pop()}><dt>{t(key)}</dt><dd>{value}</dd></div>)}
          <OnvifEventsStatus channelId={channel.id} />
          <div><dt>{t('console.onvif.mainSub')}</dt><dd class="mono">{onvif.profiles.main}{onvif.profiles.sub ? ` / ${onvif.profiles.sub}` : ''}</dd></div>
        </dl>
        {facts && (
          <table class="console-table" data-testid="onvif-profiles">
            <caption>{t('console.onvif.profiles')}</caption>
            <tbody>
              {facts.profiles.map((p) => (
                <tr key={p.token} data-token={p.token}>
                  <td class="mono">{p.token}</td><td>{p.name}</td><td>{p.encoding}</td><td>{size(p)}</td>
                  <td>{p.fps ? `${p.fps} fps` : ''}</td><td>{p.bitrateKbps ? t('console.kbps', { value: p.bitrateKbps }) : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p>
          <button type="button" data-testid="onvif-refresh" disabled={busy} onClick={() => void refresh()}>{t('console.onvif.refresh')}</button>
          {note && <span class="muted" role="status"> {note()}</span>}
        </p>
      </div>
    </section>
  );
}
