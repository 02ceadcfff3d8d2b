// A camera's video quality in the console list: 正常 / the defects found (黑屏,
// 图像模糊 …) / 未检测, with every check's value and threshold on hover, and a
// mark while a video_quality incident is open for it.
import { QUALITY_DEFECTS } from '../../../device-registry/vocabulary.ts';
import { addText, formatTime, lang, t } from '../i18n/index.ts';
import { nameParam } from '../i18n/server-text.ts';
import { quality, type QualityCheck } from './quality-store.ts';

addText({
  'zh-CN': {
    'console.col.quality': '画质诊断', 'quality.ok': '正常', 'quality.unchecked': '未检测', 'quality.incident': '已报警',
    'quality.checkedAt': '检测于 {time}（{source}）', 'quality.source.tap': '识别帧', 'quality.source.keyframe': '关键帧',
    'quality.check': '{name}：{value}（阈值 {op} {threshold}）{verdict}', 'quality.na': '不适用',
  },
  en: {
    'console.col.quality': 'Quality', 'quality.ok': 'Normal', 'quality.unchecked': 'Not checked', 'quality.incident': 'alarm raised',
    'quality.checkedAt': 'Checked {time} ({source})', 'quality.source.tap': 'detection frame', 'quality.source.keyframe': 'keyframe',
    'quality.check': '{name}: {value} (threshold {op} {threshold}) {verdict}', 'quality.na': 'n/a',
  },
});

export const defectName = (code: string): string => QUALITY_DEFECTS[code]?.[lang.value] ?? code;

// video_quality titles carry the defects as codes ('black, blur'): said by name wherever a title is shown.
nameParam('defects', (codes) => codes.split(/,\s*/).map(defectName).join(lang.value === 'zh-CN' ? '、' : ', '));

const checkLine = (c: QualityCheck) =>
  t('quality.check', {
    name: defectName(c.name),
    value: c.value === null ? '—' : String(c.value),
    op: c.when === 'below' ? '<' : '≥',
    threshold: String(c.threshold),
    verdict: c.verdict === 'defect' ? '✗' : c.verdict === 'n/a' ? `(${t('quality.na')})` : '✓',
  });

export function QualityBadge({ channelId }: { channelId: string }) {
  const q = quality.value.get(channelId);
  if (!q || q.verdict === 'unchecked') return <span class="badge unknown" data-testid="quality" data-verdict="unchecked">{t('quality.unchecked')}</span>;
  const title = [t('quality.checkedAt', { time: formatTime(q.checkedAt, true), source: t(`quality.source.${q.source ?? 'keyframe'}`) }), ...q.checks.map(checkLine)].join('\n');
  return (
    <span class="quality" data-testid="quality" data-verdict={q.verdict} data-defects={q.defects.join(',')} title={title}>
      {q.verdict === 'ok'
        ? <span class="badge online">{t('quality.ok')}</span>
        : q.defects.map((d) => <span key={d} class="badge offline" data-defect={d}>{defectName(d)}</span>)}
      {q.incident?.open && <small class="muted"> {t('quality.incident')}</small>}
    </span>
  );
}
