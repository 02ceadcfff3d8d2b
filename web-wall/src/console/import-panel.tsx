// Bulk import (#/console/import): a CSV or JSON file, or pasted text, checked
// first (dry run, the default) with a report per row; then, for the same
// file, the real import — of all rows, or of the valid ones only.
import { useRef, useState } from 'preact/hooks';
import type { ImportReport } from '../api/types.ts';
import { label, t } from '../i18n/index.ts';
import { refreshLists } from '../store/registry.ts';
import { ImportReportView } from './import-report.tsx';
import { formatOf, runImport, type ImportOptions, type ImportPayload } from './import-run.ts';
import { downloadTemplate, IMPORT_COLUMNS, type ImportEntity } from './import-template.ts';
import { refreshSensors } from './sensor-store.ts';

export function ImportPanel() {
  const [options, setOptions] = useState<ImportOptions>({ entity: 'channels', dryRun: true, mode: 'all', onConflict: 'fail' });
  const [file, setFile] = useState<File | null>(null);
  const [pasted, setPasted] = useState('');
  const [charset, setCharset] = useState<ImportPayload['charset']>('utf-8');
  const [result, setResult] = useState<{ report: ImportReport; rejected?: { readonly message: string }; payload: ImportPayload; options: ImportOptions } | null>(null);
  // Said when painted (the gateway's coded message in the language shown then).
  const [problem, setProblem] = useState<(() => string) | null>(null);
  const [busy, setBusy] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const set = (patch: Partial<ImportOptions>) => { setOptions({ ...options, ...patch }); setResult(null); };

  const payload = async (): Promise<ImportPayload | null> => {
    const body = file ?? (pasted.trim() ? pasted : null);
    if (!body) return null;
    const name = file?.name ?? t('console.import.pastedName');
    return { body, name, format: await formatOf(body, name), charset: file ? charset : 'utf-8' };
  };

  const run = async (p: ImportPayload | null, o: ImportOptions) => {
    if (!p) return setProblem(() => () => t('console.import.nothing'));
    setBusy(true);
    setProblem(null);
    try {
      const outcome = await runImport(p, o);
      setResult({ ...outcome, payload: p, options: o });
      if (outcome.report.written > 0) await (o.entity === 'channels' ? refreshLists() : refreshSensors());
    } catch (err) {
      setResult(null);
      setProblem(() => () => t('console.import.failed', { message: (err as Error).message }));
    } finally {
      setBusy(false);
    }
  };

  const report = result?.report;
  const afterDryRun = report?.dryRun && result ? result : null;
  return (
    <div class="import-page" data-testid="import-panel">
      <section class="panel import-form">
        <h2>{t('console.import.title')}</h2>
        <div class="body pad">
          <div class="form-grid">
            <label for="import-entity">{t('console.import.entity')}</label>
            <select id="import-entity" name="entity" value={options.entity} onChange={(e) => set({ entity: e.currentTarget.value as ImportEntity })}>
              {(['channels', 'sensors'] as const).map((en) => <option key={en} value={en}>{label('console.entity', en)}</option>)}
            </select>
            <label for="import-file">{t('console.import.file')}</label>
            <span class="field">
              <input ref={fileInput} id="import-file" name="file" type="file" accept=".csv,.json,text/csv,application/json"
                onChange={(e) => { setFile(e.currentTarget.files?.[0] ?? null); setResult(null); }} />
              {file && (
                <button type="button" onClick={() => { setFile(null); setResult(null); if (fileInput.current) fileInput.current.value = ''; }}>
                  {t('console.import.clearFile')}
                </button>
              )}
              <select name="charset" value={charset} onChange={(e) => { setCharset(e.currentTarget.value as ImportPayload['charset']); setResult(null); }} title={t('console.import.charset')}>
                <option value="utf-8">UTF-8</option>
                <option value="gb18030">GB18030 / GBK (Excel)</option>
              </select>
            </span>
            <label for="import-paste">{t('console.import.paste')}</label>
            <textarea id="import-paste" name="paste" rows={5} spellcheck={false} value={pasted} disabled={Boolean(file)}
              placeholder={IMPORT_COLUMNS[options.entity].join(',')} onInput={(e) => { setPasted(e.currentTarget.value); setResult(null); }} />
            <label for="import-dry">{t('console.import.dryRun')}</label>
            <input id="import-dry" name="dryRun" type="checkbox" checked={options.dryRun} onChange={(e) => set({ dryRun: e.currentTarget.checked })} />
            <label for="import-mode">{t('console.import.mode')}</label>
            <select id="import-mode" name="mode" value={options.mode} onChange={(e) => set({ mode: e.currentTarget.value as ImportOptions['mode'] })}>
              {(['all', 'valid'] as const).map((m) => <option key={m} value={m}>{t(`console.importMode.${m}.long`)}</option>)}
            </select>
            <label for="import-conflict">{t('console.import.onConflict')}</label>
            <select id="import-conflict" name="onConflict" value={options.onConflict} onChange={(e) => set({ onConflict: e.currentTarget.value as ImportOptions['onConflict'] })}>
              {(['fail', 'update'] as const).map((c) => <option key={c} value={c}>{t(`console.onConflict.${c}`)}</option>)}
            </select>
          </div>
          <div class="form-buttons">
            <button type="button" class="primary" disabled={busy} data-testid="run-import" onClick={() => void payload().then((p) => run(p, options))}>
              {options.dryRun ? t('console.import.check') : t('console.import.run')}
            </button>
            <button type="button" data-testid="template" onClick={() => downloadTemplate(options.entity)}>{t('console.import.template')}</button>
          </div>
          <p class="hint">{t('console.import.columns')} <code>{IMPORT_COLUMNS[options.entity].join(', ')}</code></p>
          {problem && <p class="error" role="alert" data-testid="import-problem">{problem()}</p>}
        </div>
      </section>
      {result?.rejected && <p class="error" role="alert" data-testid="import-rejected">{result.rejected.message}</p>}
      {afterDryRun && <RealImportButtons report={afterDryRun.report} busy={busy} run={(o) => void run(afterDryRun.payload, { ...afterDryRun.options, ...o, dryRun: false })} />}
      {report && <ImportReportView report={report} />}
    </div>
  );
}

/** After a dry run: write what it checked — every row if all are valid, else the valid ones. */
function RealImportButtons({ report, busy, run }: { report: ImportReport; busy: boolean; run: (o: Partial<ImportOptions>) => void }) {
  if (report.valid === 0) return <p class="warn import-next">{t('console.import.nothingValid')}</p>;
  return (
    <div class="import-next">
      {report.invalid === 0
        ? <button type="button" class="primary" disabled={busy} data-testid="import-all" onClick={() => run({ mode: 'all' })}>{t('console.import.runAll', { n: report.valid })}</button>
        : <button type="button" class="primary" disabled={busy} data-testid="import-valid" onClick={() => run({ mode: 'valid' })}>{t('console.import.runValid', { n: report.valid, invalid: report.invalid })}</button>}
    </div>
  );
}
