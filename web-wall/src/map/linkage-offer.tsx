// The linkage offers over every view of a wall role: an incident's nearest
// cameras with "bring to the wall" (mode offer), or the note that they were
// brought (mode auto), and a dismiss.
import { label, t } from '../i18n/index.ts';
import { acceptOffer, dismissOffer, linkageOffers } from './linkage.ts';
import './text.ts';
import './linkage.css';

export function LinkageOffers() {
  const offers = linkageOffers.value;
  if (!offers.length) return null;
  return (
    <aside class="linkage-offers" data-testid="linkage-offers">
      {offers.map((o) => (
        <section key={o.incident.id} class="linkage-offer" data-testid="linkage-offer" data-incident={o.incident.id} data-placed={o.placed ? 'true' : 'false'}>
          <header>
            <span class={`badge ${o.incident.severity}`}>{label('severity', o.incident.severity)}</span>
            <strong>{label('type', o.incident.type)}</strong>
            <span class="muted">{o.incident.code}</span>
          </header>
          <ol>
            {o.cameras.map((c) => <li key={c.id} data-linked-camera={c.id}>{c.name} <span class="muted">{t('map.metres', { n: Math.round(c.distanceMeters) })}</span></li>)}
          </ol>
          <footer>
            {o.placed
              ? <span class="notice">{t('map.linkage.placed', { n: o.cameras.length })}</span>
              : <button type="button" data-testid="linkage-accept" onClick={() => acceptOffer(o.incident.id)}>{t('map.linkage.bring', { n: o.cameras.length })}</button>}
            <button type="button" data-testid="linkage-dismiss" onClick={() => dismissOffer(o.incident.id)}>{t('common.close')}</button>
          </footer>
        </section>
      ))}
    </aside>
  );
}
