// Texts of the console's newer parts (zh-CN and en): place hints, the sensor
// rules form, the camera connection test, the last known problem. (The
// import's encoding note is the gateway's, coded: csv_read_as_gb18030.)
import { addText } from '../i18n/index.ts';

addText({
  'zh-CN': {
    'console.form.coordUnset': '未设置',
    'console.form.latHint': '十进制度（WGS-84），例如 31.2304；留空表示不定位',
    'console.form.lngHint': '十进制度（WGS-84），例如 121.4737；留空表示不定位',
    'console.form.tagsSeparators': '用逗号或分号分隔，例如：广场, 人流（批量导入同样适用）',
    'console.lastProblem.was': '上次问题：{reason}（{time}）', 'console.lastProblem.since': '自 {time} 起',
    'console.test.run': '测试连接', 'console.test.running': '正在连接…（最多 5 秒）',
    'console.test.ok': '连接成功：{codec} {width}×{height} @{fps} fps（{ms} 毫秒）', 'console.test.failed': '连接失败：{reason}',
    'console.rules.title': '报警规则', 'console.rules.metric': '指标', 'console.rules.type': '规则', 'console.rules.threshold': '阈值',
    'console.rules.recover': '恢复值', 'console.rules.forSeconds': '持续（秒）', 'console.rules.severity': '级别', 'console.rules.optional': '可不填', 'console.rules.needsThreshold': '填写阈值后才生效',
    'console.rules.type.above': '高于', 'console.rules.type.below': '低于', 'console.rules.type.ratePerMinute': '每分钟升幅超过', 'console.rules.type.fallPerMinute': '每分钟降幅超过',
    'console.rules.defaultSeverity': '默认', 'console.rules.add': '添加规则', 'console.rules.remove': '删除此规则', 'console.rules.none': '没有自定义规则，使用该类型的默认规则。',
    'console.rules.advanced': '高级（JSON）', 'console.rules.backToForm': '返回表单',
    'console.rules.onlyJson': '这些规则含有表单无法显示的内容，请在 JSON 中编辑。',
    'console.rules.hint': '同一指标的多行共用持续时间和级别；停用已保存的规则请在高级中写 "enabled": false。',
  },
  en: {
    'console.form.coordUnset': 'not set',
    'console.form.latHint': 'Decimal degrees (WGS-84), e.g. 31.2304; leave empty for no position',
    'console.form.lngHint': 'Decimal degrees (WGS-84), e.g. 121.4737; leave empty for no position',
    'console.form.tagsSeparators': 'Separated by commas or semicolons, e.g. plaza, crowd (the same in bulk import)',
    'console.lastProblem.was': 'Last problem: {reason} ({time})', 'console.lastProblem.since': 'since {time}',
    'console.test.run': 'Test connection', 'console.test.running': 'Connecting… (up to 5 s)',
    'console.test.ok': 'Connected: {codec} {width}×{height} @{fps} fps ({ms} ms)', 'console.test.failed': 'Cannot connect: {reason}',
    'console.rules.title': 'Alarm rules', 'console.rules.metric': 'Metric', 'console.rules.type': 'Rule', 'console.rules.threshold': 'Threshold',
    'console.rules.recover': 'Recover at', 'console.rules.forSeconds': 'For (s)', 'console.rules.severity': 'Severity', 'console.rules.optional': 'optional', 'console.rules.needsThreshold': 'Takes effect once it has a threshold',
    'console.rules.type.above': 'above', 'console.rules.type.below': 'below', 'console.rules.type.ratePerMinute': 'rises faster than /min', 'console.rules.type.fallPerMinute': 'falls faster than /min',
    'console.rules.defaultSeverity': 'default', 'console.rules.add': 'Add rule', 'console.rules.remove': 'Remove this rule', 'console.rules.none': 'No rules of its own: the kind\'s defaults apply.',
    'console.rules.advanced': 'Advanced (JSON)', 'console.rules.backToForm': 'Back to the form',
    'console.rules.onlyJson': 'These rules hold something the form cannot show: edit them as JSON.',
    'console.rules.hint': 'Rows of one metric share its duration and severity; to stop a saved rule, write "enabled": false under Advanced.',
  },
});
