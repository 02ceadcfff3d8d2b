// What "test the rule" found: when each rule would have fired over the last
// minutes of detections, and how many detections it would have accepted
// (the boxes are drawn on the picture: matches thin, firings bold).
import { formatTime, t } from '../i18n/index.ts';

type Box = [number, number, number, number];
export interface RuleTestResult {
  channelId: string;
  from: number | null;
  to: number | null;
  frames: number;
  firings: Array<{ ts: number; rule: string; label: string; trackId: number; box: Box; frameSize: [number, number] }>;
  matches: Array<{ ts: number; rule: string; label: string; score: number; box: Box; frameSize: [number, number] }>;
  matchesTruncated: boolean;
}

export function RuleTestPanel({ result: r }: { result: RuleTestResult }) {
  const rules = [...new Set([...r.firings.map((f) => f.rule), ...r.matches.map((m) => m.rule)])];
  return (
    <section class="rule-test" data-testid="rule-test" data-firings={r.firings.length}>
      <p class="muted">{r.frames ? t('zones.testSpan', { frames: r.frames, from: formatTime(r.from), to: formatTime(r.to) }) : t('zones.testEmpty')}</p>
      <p data-testid="rule-test-summary">
        {r.firings.length ? t('zones.wouldFire', { n: r.firings.length, times: r.firings.slice(0, 8).map((f) => formatTime(f.ts)).join(t('zones.sep')) + (r.firings.length > 8 ? '…' : '') }) : t('zones.wouldNotFire')}
      </p>
      <ul>
        {rules.map((rule) => (
          <li key={rule}>{t('zones.ruleResult', { rule, fired: r.firings.filter((f) => f.rule === rule).length, matched: r.matches.filter((m) => m.rule === rule).length })}</li>
        ))}
      </ul>
      {r.matchesTruncated && <p class="muted">{t('zones.truncated', { n: r.matches.length })}</p>}
    </section>
  );
}
