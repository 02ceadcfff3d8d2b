// The dispatcher's view (调度): the queue of open incidents on the left and,
// at #/dispatch/<id>, the chosen incident with its actions and flow log on the
// right. The queue, the SLA clock and the transition table run while it is shown.
import { useEffect } from 'preact/hooks';
import './text.ts';
import './dispatch.css';
import { t } from '../i18n/index.ts';
import { route } from '../router.ts';
import { IncidentDetail } from './incident-detail.tsx';
import { Queue } from './queue.tsx';
import { followQueue } from './queue-state.ts';
import { startClock } from './sla.ts';
import { loadTransitions } from './transitions.ts';

export function DispatchView() {
  useEffect(() => {
    void loadTransitions();
    const stops = [followQueue(), startClock()];
    return () => {
      for (const stop of stops) stop();
    };
  }, []);
  const selectedId = route.value[0] === 'dispatch' ? route.value[1] : undefined;
  return (
    <div class={`dispatch ${selectedId ? 'with-detail' : ''}`} data-testid="dispatch-view">
      <Queue selectedId={selectedId} />
      {selectedId ? <IncidentDetail key={selectedId} id={selectedId} /> : <section class="panel dispatch-hint"><p class="muted pad">{t('dispatch.choose')}</p></section>}
    </div>
  );
}
