// ONVIF cameras (#/console/onvif): 扫描 sends a WS-Discovery probe through
// the gateway and lists what answered (registered or not); addresses can be
// typed in too. Pick rows, give credentials (one set for all, or per row), a
// grid cell, and import: the gateway reads each camera and creates its RTSP
// channel (main and sub-stream, facts), and the per-row report says what
// became of each — a wrong password or an unreachable camera by its field.
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { DiscoveredOnvif, ImportReport } from '../api/types.ts';
import { t } from '../i18n/index.ts';
import { fieldErrorText } from '../i18n/server-text.ts';
import { refreshLists } from '../store/registry.ts';
import { gridOptions } from './draft-parts.ts';
import { ImportReportView } from './import-report.tsx';
import { runImport } from './import-run.ts';
import { importRows, mergeRows, rowKey, type OnvifRow, type Shared } from './onvif-rows.ts';
import './onvif-text.ts';

export function OnvifPage() {
  const [rows, setRows] = useState<OnvifRow[]>([]);
  const [shared, setShared] = useState<Shared>({ username: 'admin', password: '', gridCode: '' });
  const [address, setAddress] = useState({ host: '', port: '' });
  const [busy, setBusy] = useState<'scan' | 'import' | null>(null);
  const [note, setNote] = useState<(() => string) | null>(null);
  const [report, setReport] = useState<{ report: ImportReport; sent: OnvifRow[] } | null>(null);
  const update = (key: string, patch: Partial<OnvifRow>) => setRows(rows.map((r) => (r.key === key ? { ...r, ...patch } : r)));

  const scan = async () => {
    setBusy('scan');
    setNote(null);
    try {
      const { devices } = await api<{ devices: DiscoveredOnvif[] }>('/api/onvif/discover', { method: 'POST', body: {} });
      setRows((current) => mergeRows(current, devices));
      setNote(() => () => (devices.length ? t('console.onvif.found', { count: devices.length }) : t('console.onvif.none')));
    } catch (err) {
      setNote(() => () => t('console.onvif.scanFailed', { message: (err as Error).message }));
    } finally {
      setBusy(null);
    }
  };

  const addAddress = () => {
    const host = address.host.trim();
    if (!host) return;
    const port = address.port.trim() ? Number(address.port) : undefined;
    const key = rowKey(host, port);
    if (!rows.some((r) => r.key === key)) setRows([...rows, { key, host, port, registered: null, picked: true, name: host, username: '', password: '' }]);
    setAddress({ host: '', port: '' });
  };

  const picked = rows.filter((r) => r.picked);
  const importPicked = async () => {
    if (!picked.length) return setNote(() => () => t('console.onvif.nothingPicked'));
    setBusy('import');
    setNote(null);
    try {
      const body = JSON.stringify(importRows(rows, shared));
      const outcome = await runImport({ body, name: 'ONVIF', format: 'json', charset: 'utf-8' }, { entity: 'channels', dryRun: false, mode: 'valid', onConflict: 'fail' });
      setReport({ report: outcome.report, sent: picked });
      if (outcome.report.written > 0) {
        await refreshLists();
        // What was written is registered now: unpick it so a second import does not repeat it.
        const done = new Set(outcome.report.rows.filter((r) => r.action !== 'error').map((r) => picked[r.row - 1]?.key));
        setRows((current) => current.map((r) => (done.has(r.key) ? { ...r, picked: false, registered: outcome.report.rows.find((x) => picked[x.row - 1]?.key === r.key)?.id ?? r.registered } : r)));
      }
    } catch (err) {
      setNote(() => () => t('console.onvif.importFailed', { message: (err as Error).message }));
    } finally {
      setBusy(null);
    }
  };

  const resultOf = (key: string) => {
    const i = report?.sent.findIndex((r) => r.key === key) ?? -1;
    return i >= 0 ? report?.report.rows.find((r) => r.row === i + 1) : undefined;
  };

  return (
    <div class="scroll-page" data-testid="onvif-page">
      <section class="panel">
        <h2>{t('console.onvif.title')}</h2>
        <div class="body pad">
          <p class="muted">{t('console.onvif.scanHint')}</p>
          <p>
            <button type="button" class="primary" data-testid="onvif-scan" disabled={busy !== null} onClick={() => void scan()}>
              {busy === 'scan' ? t('console.onvif.scanning') : t('console.onvif.scan')}
            </button>
            {note && <span class="muted" role="status" data-testid="onvif-note"> {note()}</span>}
          </p>
          <table class="console-table" data-testid="onvif-rows">
            <thead><tr>
              <th>{t('console.onvif.col.pick')}</th><th>{t('console.onvif.col.address')}</th><th>{t('console.onvif.col.device')}</th><th>{t('console.onvif.col.registered')}</th>
              <th>{t('console.onvif.col.name')}</th><th>{t('console.onvif.col.username')}</th><th>{t('console.onvif.col.password')}</th><th />
            </tr></thead>
            <tbody>
              {rows.map((r) => {
                const result = resultOf(r.key);
                return (
                  <tr key={r.key} data-key={r.key} data-registered={r.registered ?? ''}>
                    <td><input type="checkbox" aria-label={r.key} checked={r.picked} onChange={(e) => update(r.key, { picked: e.currentTarget.checked })} /></td>
                    <td class="mono">{r.key}</td>
                    <td>{[r.found?.manufacturer, r.found?.hardware].filter(Boolean).join(' ') || '—'}</td>
                    <td><span class={`badge ${r.registered ? 'online' : 'idle'}`}>{r.registered ? t('console.onvif.registered', { id: r.registered }) : t('console.onvif.notRegistered')}</span></td>
                    <td><input name="name" value={r.name} onInput={(e) => update(r.key, { name: e.currentTarget.value })} /></td>
                    <td><input name="username" value={r.username} placeholder={shared.username} onInput={(e) => update(r.key, { username: e.currentTarget.value })} /></td>
                    <td><input name="password" type="password" autocomplete="off" value={r.password} placeholder={t('console.onvif.rowPasswordHint')} onInput={(e) => update(r.key, { password: e.currentTarget.value })} /></td>
                    <td data-testid="onvif-row-result" data-action={result?.action ?? ''}>
                      {(result?.errors ?? []).map((e, i) => <div key={i} class="row-error" data-field={e.field}><code>{e.field}</code> {fieldErrorText(e)}</div>)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <fieldset class="onvif-add">
            <legend>{t('console.onvif.addAddress')}</legend>
            <input name="host" data-testid="onvif-host" placeholder={t('console.onvif.host')} value={address.host} onInput={(e) => setAddress({ ...address, host: e.currentTarget.value })} />
            <input name="port" data-testid="onvif-port" placeholder={t('console.onvif.port')} inputMode="numeric" size={6} value={address.port} onInput={(e) => setAddress({ ...address, port: e.currentTarget.value })} />
            <button type="button" data-testid="onvif-add-row" onClick={addAddress}>{t('console.onvif.addRow')}</button>
          </fieldset>
          <fieldset class="onvif-credentials">
            <legend>{t('console.onvif.credentials')}</legend>
            <p class="muted">{t('console.onvif.credentialsHint')}</p>
            <input name="shared-username" data-testid="onvif-username" placeholder={t('console.onvif.col.username')} value={shared.username} onInput={(e) => setShared({ ...shared, username: e.currentTarget.value })} />
            <input name="shared-password" data-testid="onvif-password" type="password" autocomplete="off" placeholder={t('console.onvif.col.password')} value={shared.password} onInput={(e) => setShared({ ...shared, password: e.currentTarget.value })} />
            <label>{t('console.onvif.grid')}{' '}
              <select name="gridCode" data-testid="onvif-grid" value={shared.gridCode} onChange={(e) => setShared({ ...shared, gridCode: e.currentTarget.value })}>
                {gridOptions().map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
              </select>
            </label>
          </fieldset>
          <p>
            <button type="button" class="primary" data-testid="onvif-import" disabled={busy !== null} onClick={() => void importPicked()}>
              {busy === 'import' ? t('console.onvif.importing') : t('console.onvif.import', { count: picked.length })}
            </button>
          </p>
        </div>
      </section>
      {report && <ImportReportView report={report.report} />}
    </div>
  );
}
