// The sensor's alarm rules as a form: one row per condition (metric, rule
// type, threshold, recover, duration, severity), rows added and removed, and
// the JSON still there under "advanced" for what the rows do not show.
import { useState } from 'preact/hooks';
import { label, t } from '../i18n/index.ts';
import './extra-text.ts';
import { sayAll, type FormProblems } from './field-errors.ts';
import { emptyRow, KIND_METRICS, RULE_SEVERITIES, RULE_TYPES, rowsOf, writeRows, type RuleRow } from './sensor-rules.ts';

interface Props {
  value: string;
  onChange: (json: string) => void;
  problems: FormProblems;
  kind: string;
}

export function SensorRulesForm({ value, onChange, problems, kind }: Props) {
  const [advanced, setAdvanced] = useState(false);
  // The rows live here while edited (a new row has no threshold yet, so the JSON cannot hold it); JSON changed
  // from outside (the sensor loaded, an edit under "advanced") gives the rows anew.
  const [held, setHeld] = useState<{ json: string; rows: RuleRow[] | undefined }>(() => ({ json: value, rows: rowsOf(value) }));
  const rows = value === held.json ? held.rows : rowsOf(value);
  const messages = [...problems.byField.entries()].filter(([field]) => field === 'rules' || field.startsWith('rules.')).flatMap(([, m]) => sayAll(m));
  const write = (next: RuleRow[]) => {
    const json = writeRows(value, next);
    setHeld({ json, rows: next });
    onChange(json);
  };
  const change = (i: number, patch: Partial<RuleRow>) => rows && write(rows.map((r, n) => (n === i ? { ...r, ...patch } : r)));
  return (
    <>
      <label>{t('console.rules.title')}</label>
      <div class="field rules-form" data-testid="rules-form">
        {rows && !advanced && (
          <table class="console-table rules-table">
            <thead><tr>{(['metric', 'type', 'threshold', 'recover', 'forSeconds', 'severity'] as const).map((c) => <th key={c}>{t(`console.rules.${c}`)}</th>)}<th /></tr></thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={i} data-rule-row={i}>
                  <td><input name={`rules.${i}.metric`} value={r.metric} list="rule-metrics" size={8} onInput={(e) => change(i, { metric: e.currentTarget.value })} /></td>
                  <td>
                    <select name={`rules.${i}.type`} value={r.type} onChange={(e) => change(i, { type: e.currentTarget.value as RuleRow['type'] })}>
                      {RULE_TYPES.map((ty) => <option key={ty} value={ty}>{t(`console.rules.type.${ty}`)}</option>)}
                    </select>
                  </td>
                  <td><input name={`rules.${i}.threshold`} value={r.threshold} inputMode="decimal" size={6} aria-invalid={r.threshold.trim() === '' ? 'true' : undefined}
                    title={r.threshold.trim() === '' ? t('console.rules.needsThreshold') : undefined} onInput={(e) => change(i, { threshold: e.currentTarget.value })} /></td>
                  <td>
                    {r.type === 'above' || r.type === 'below'
                      ? <input name={`rules.${i}.recover`} value={r.recover} inputMode="decimal" size={6} placeholder={t('console.rules.optional')} onInput={(e) => change(i, { recover: e.currentTarget.value })} />
                      : <span class="muted">—</span>}
                  </td>
                  <td><input name={`rules.${i}.forSeconds`} value={r.forSeconds} inputMode="numeric" size={5} placeholder={t('console.rules.optional')} onInput={(e) => change(i, { forSeconds: e.currentTarget.value })} /></td>
                  <td>
                    <select name={`rules.${i}.severity`} value={r.severity} onChange={(e) => change(i, { severity: e.currentTarget.value })}>
                      <option value="">{t('console.rules.defaultSeverity')}</option>
                      {RULE_SEVERITIES.map((s) => <option key={s} value={s}>{label('severity', s)}</option>)}
                    </select>
                  </td>
                  <td><button type="button" data-testid="rule-remove" title={t('console.rules.remove')} onClick={() => write(rows.filter((_, n) => n !== i))}>×</button></td>
                </tr>
              ))}
              {!rows.length && <tr><td colSpan={7} class="muted">{t('console.rules.none')}</td></tr>}
            </tbody>
          </table>
        )}
        <datalist id="rule-metrics">{[...new Set([KIND_METRICS[kind], ...Object.values(KIND_METRICS)])].filter(Boolean).map((m) => <option key={m} value={m} />)}</datalist>
        {!rows && !advanced && <p class="warn">{t('console.rules.onlyJson')}</p>}
        <div class="rules-actions">
          {rows && !advanced && <button type="button" data-testid="rule-add" onClick={() => write([...rows, emptyRow(kind)])}>{t('console.rules.add')}</button>}
          <button type="button" data-testid="rules-advanced" aria-pressed={advanced} onClick={() => setAdvanced(!advanced)}>{advanced ? t('console.rules.backToForm') : t('console.rules.advanced')}</button>
        </div>
        {(advanced || !rows) && (
          <textarea id="f-rules" name="rules" rows={8} value={value} spellcheck={false} aria-invalid={messages.length ? 'true' : undefined} onInput={(e) => onChange(e.currentTarget.value)} />
        )}
        <small class="hint">{t('console.rules.hint')}</small>
      </div>
      {messages.length > 0 && <div class="field-error" role="alert" data-field-error="rules">{messages.join('; ')}</div>}
    </>
  );
}
