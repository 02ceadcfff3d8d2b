// A camera's events on its ONVIF facts panel: subscribed, starting, failing
// (with the reason and the next try), no events (the camera has none) or off
// (why), and the event types that raise incidents (GET /api/onvif/events/status).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { label, t } from '../i18n/index.ts';
import './onvif-events-text.ts';

interface EventsStatus { channelId: string; state: 'subscribed' | 'starting' | 'failing' | 'no events' | 'off'; reason?: string; retryAt?: string; types: string[] }

export function OnvifEventsStatus({ channelId }: { channelId: string }) {
  const [status, setStatus] = useState<EventsStatus | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    let gone = false;
    api<{ items: EventsStatus[] }>(`/api/onvif/events/status?channelId=${encodeURIComponent(channelId)}`).then(
      (res) => !gone && setStatus(res.items[0] ?? null),
      (err: Error) => !gone && setFailed(err.message),
    );
    return () => void (gone = true);
  }, [channelId]);
  if (failed) return <div data-fact="eventsState"><dt>{t('console.onvif.eventsState')}</dt><dd class="muted">{failed}</dd></div>;
  if (!status) return null;
  const types = status.types.map((type) => label('type', type)).join(' / ');
  return (
    <div data-fact="eventsState" data-state={status.state}>
      <dt>{t('console.onvif.eventsState')}</dt>
      <dd>
        {t(`console.onvif.eventsState.${status.state.replace(' ', '-')}`)}
        {status.state !== 'no events' && types && <span> · {t('console.onvif.eventsTypes', { types })}</span>}
        {/* The camera's own words (a fault reason, host:port): technical detail, as the camera said it. */}
        {status.reason && <span class="muted mono"> ({status.reason})</span>}
      </dd>
    </div>
  );
}
