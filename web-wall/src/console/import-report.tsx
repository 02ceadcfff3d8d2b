// What an import found: the totals, and a row per spreadsheet row (or JSON
// item) with what would happen to it and, for a bad one, every problem by
// the column it names — so the engineer can fix the file and try again.
import type { ImportReport } from '../api/types.ts';
import { label, t } from '../i18n/index.ts';
import { fieldErrorText, serverText } from '../i18n/server-text.ts';
import './extra-text.ts';

const TOTALS = ['total', 'valid', 'invalid', 'written'] as const;

export function ImportReportView({ report }: { report: ImportReport }) {
  const bad = report.rows.filter((r) => r.action === 'error');
  return (
    <section class="panel import-report" data-testid="import-report" data-dry-run={String(report.dryRun)}>
      <h2>
        {report.dryRun ? t('console.import.dryRunReport') : t('console.import.report')}
        <span class="muted">{label('console.entity', report.entity)} · {label('console.importMode', report.mode)}</span>
      </h2>
      <div class="body pad">
        <dl class="totals">
          {TOTALS.map((k) => (
            <div key={k} data-total={k}><dt>{t(`console.import.${k}`)}</dt><dd>{report[k]}</dd></div>
          ))}
        </dl>
        <p class={bad.length ? 'warn' : 'muted'} data-testid="import-summary">{summary(report)}</p>
        {report.encoding?.detected && <p class="warn" data-testid="import-encoding" data-charset={report.encoding.charset}>{serverText({ code: report.encoding.detectedCode }, report.encoding.detected)}</p>}
        <table class="console-table">
          <thead><tr><th>{t('console.import.row')}</th><th>{t('console.col.id')}</th><th>{t('console.import.action')}</th><th>{t('console.import.errors')}</th></tr></thead>
          <tbody>
            {report.rows.map((r) => (
              <tr key={r.row} data-row={r.row} data-id={r.id} data-action={r.action}>
                <td class="num">{r.row}</td>
                <td class="mono">{r.id ?? '—'}</td>
                <td><span class={`badge ${r.action === 'error' ? 'offline' : 'online'}`}>{label('console.action', r.action)}</span></td>
                <td>
                  {(r.errors ?? []).map((e, i) => (
                    <div key={i} class="row-error" data-field={e.field}><code>{e.field}</code> {fieldErrorText(e)}</div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function summary(r: ImportReport): string {
  if (!r.dryRun) return t('console.import.summaryWritten', { written: r.written, total: r.total });
  if (r.invalid === 0) return t('console.import.summaryAllValid', { valid: r.valid });
  return t('console.import.summaryInvalid', { invalid: r.invalid, valid: r.valid });
}
