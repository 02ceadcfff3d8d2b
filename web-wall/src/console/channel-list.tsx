// The camera list (#/console/channels): every channel with its live status,
// offline ones first, counts by status, and filters to find one among
// thousands. The registry store keeps it fresh (statuses every 3 s).
import { label, t } from '../i18n/index.ts';
import { go } from '../router.ts';
import { registryError } from '../store/registry.ts';
import { ChannelRow } from './channel-row.tsx';
import {
  channelGrid, channelKind, channelPage, channelQuery, channelSort, channelStatus, filteredChannels, PAGE_SIZE, setFilter, stateCounts,
  type ChannelSort, type LiveState,
} from './channel-filter.ts';
import { gridOptions } from './draft-parts.ts';
import { useQualityPolling } from './quality-store.ts';
import { useEffect } from 'preact/hooks';

const STATES: LiveState[] = ['offline', 'online', 'idle', 'unknown'];
const COLUMNS = ['id', 'name', 'kind', 'grid', 'mode', 'profile', 'status', 'input', 'bitrate', 'restarts', 'quality'] as const;

function Counts() {
  const counts = stateCounts.value;
  return (
    <span class="counts" data-testid="channel-counts">
      {STATES.map((s) => (
        <button key={s} type="button" class={`count ${channelStatus.value === s ? 'active' : ''}`} data-count={s} data-value={counts[s]}
          onClick={() => setFilter(channelStatus, channelStatus.value === s ? '' : s)}>
          <span class={`badge ${s}`}>{label('state', s)}</span> {counts[s]}
        </button>
      ))}
    </span>
  );
}

function Filters() {
  return (
    <div class="console-filters">
      <input type="search" name="q" placeholder={t('console.filter.search')} value={channelQuery.value} onInput={(e) => setFilter(channelQuery, e.currentTarget.value)} />
      <select name="grid" value={channelGrid.value} onChange={(e) => setFilter(channelGrid, e.currentTarget.value)}>
        {gridOptions().map((o) => <option key={o.value} value={o.value}>{o.value ? o.label : t('console.filter.allGrids')}</option>)}
      </select>
      <select name="kind" value={channelKind.value} onChange={(e) => setFilter(channelKind, e.currentTarget.value)}>
        <option value="">{t('console.filter.allKinds')}</option>
        {['rtsp', 'rtmp', 'gb28181'].map((k) => <option key={k} value={k}>{label('kind', k)}</option>)}
      </select>
      <select name="status" value={channelStatus.value} onChange={(e) => setFilter(channelStatus, e.currentTarget.value as LiveState | '')}>
        <option value="">{t('console.filter.allStates')}</option>
        {STATES.map((s) => <option key={s} value={s}>{label('state', s)}</option>)}
      </select>
      <label class="inline">{t('console.filter.sort')}
        <select name="sort" value={channelSort.value} onChange={(e) => setFilter(channelSort, e.currentTarget.value as ChannelSort)}>
          {(['status', 'id', 'name'] as const).map((s) => <option key={s} value={s}>{t(`console.sort.${s}`)}</option>)}
        </select>
      </label>
    </div>
  );
}

export function ChannelList() {
  useEffect(() => useQualityPolling(), []);
  const all = filteredChannels.value;
  const pages = Math.max(1, Math.ceil(all.length / PAGE_SIZE));
  const page = Math.min(channelPage.value, pages - 1);
  const shown = all.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  return (
    <section class="panel console-list" data-testid="channel-list">
      <h2>
        {t('console.channels.title')} <Counts />
        <span class="spacer" />
        <button type="button" class="primary" data-testid="add-channel" onClick={() => go('console', 'channels', 'new')}>{t('console.channel.add')}</button>
      </h2>
      <Filters />
      {registryError.value && <p class="error pad">{t('console.loadFailed', { message: registryError.value })}</p>}
      <div class="body">
        <table class="console-table">
          <thead><tr>{COLUMNS.map((c) => <th key={c}>{t(`console.col.${c}`)}</th>)}<th /></tr></thead>
          <tbody>{shown.map((c) => <ChannelRow key={c.channel.id} {...c} />)}</tbody>
        </table>
        {all.length === 0 && <p class="muted pad">{t('console.channels.none')}</p>}
      </div>
      <div class="pager">
        <span class="muted">{t('console.shown', { from: all.length ? page * PAGE_SIZE + 1 : 0, to: page * PAGE_SIZE + shown.length, total: all.length })}</span>
        <button type="button" disabled={page === 0} onClick={() => (channelPage.value = page - 1)}>‹</button>
        <button type="button" disabled={page >= pages - 1} onClick={() => (channelPage.value = page + 1)}>›</button>
      </div>
    </section>
  );
}
