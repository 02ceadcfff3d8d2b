// The message catalogue: every text the API sends to people (field errors,
// incident titles, flow-log notes) has a stable code and params here, with
// its English and Chinese wording. The server fills the English template for
// `message` (API users keep reading it); the wall says the code in the
// operator's language (web-wall/src/i18n/server-text.ts). Params named
// `reasonCode`, `type`, `unit`, `metric`, `label`, `fromSeverity`, `toSeverity` hold codes
// of the shared vocabulary (vocabulary.ts) and are shown translated.
//
// To add a message: one entry below ({name} placeholders in both languages),
// then build it with `say(code, params)`. vocabulary.test.ts checks each
// entry has both languages and the same placeholders in each.
import type { Coded, Lang, Names } from './vocabulary.ts';

export const MESSAGES: Record<string, Names> = {
  // Field errors (validation.ts and the checks beside the entities).
  required: { en: 'is required', 'zh-CN': '必填' },
  unknown_field: { en: 'is not a known field', 'zh-CN': '不是可识别的字段' },
  one_of: { en: 'must be one of {values}', 'zh-CN': '应为以下之一：{values}' },
  must_be: { en: 'must be {values}', 'zh-CN': '应为 {values}' },
  invalid_value: { en: 'has an invalid value or type', 'zh-CN': '值或类型无效' },
  invalid: { en: 'is invalid', 'zh-CN': '不符合要求' },
  not_rtsp_url: { en: 'not an rtsp:// URL', 'zh-CN': '不是 rtsp:// 地址' },
  not_email: { en: 'not an e-mail address', 'zh-CN': '不是有效的电子邮箱地址' },
  not_date_time: { en: 'not an ISO-8601 date-time', 'zh-CN': '不是 ISO-8601 格式的时间' },
  max: { en: 'must be <= {limit}', 'zh-CN': '不能大于 {limit}' },
  min: { en: 'must be >= {limit}', 'zh-CN': '不能小于 {limit}' },
  max_exclusive: { en: 'must be < {limit}', 'zh-CN': '应小于 {limit}' },
  min_exclusive: { en: 'must be > {limit}', 'zh-CN': '应大于 {limit}' },
  max_length: { en: 'must NOT have more than {limit} characters', 'zh-CN': '不能超过 {limit} 个字符' },
  min_length: { en: 'must NOT have fewer than {limit} characters', 'zh-CN': '至少 {limit} 个字符' },
  max_items: { en: 'must NOT have more than {limit} items', 'zh-CN': '不能超过 {limit} 项' },
  min_items: { en: 'must NOT have fewer than {limit} items', 'zh-CN': '至少 {limit} 项' },
  wrong_type: { en: 'must be {type}', 'zh-CN': '类型不正确' },
  too_deep: { en: 'is nested deeper than {maxDepth} levels', 'zh-CN': '嵌套超过 {maxDepth} 层' },
  too_large: { en: 'is larger than {maxBytes} bytes as JSON', 'zh-CN': '超过 {maxBytes} 字节（JSON）' },
  bad_pattern: { en: 'must match pattern "{pattern}"', 'zh-CN': '格式不正确' },
  id_format: { en: 'must be 1-64 letters, digits, _ . : - (starting with a letter or digit)', 'zh-CN': '应为 1–64 个字母、数字或 _ . : -（以字母或数字开头）' },
  name_format: { en: 'must be 1-128 characters without control characters', 'zh-CN': '应为 1–128 个字符，不含控制字符' },
  grid_code_format: { en: 'must be 1-32 letters, digits, _ or -', 'zh-CN': '应为 1–32 个字母、数字、_ 或 -' },
  code20_format: { en: 'must be a 20-digit GB/T 28181 code', 'zh-CN': '应为 20 位国标编码' },
  push_key_format: { en: 'must be 16-64 letters, digits, _ or -', 'zh-CN': '应为 16–64 个字母、数字、_ 或 -' },
  kind_format: { en: 'must be lower_snake_case, 2-32 characters', 'zh-CN': '应为 2–32 个小写字母、数字或下划线' },
  mqtt_id_format: { en: 'must be 1-64 letters, digits, _ . : -', 'zh-CN': '应为 1–64 个字母、数字或 _ . : -' },
  mqtt_topic_format: { en: 'must be an MQTT topic without wildcards (+ #), up to 256 characters', 'zh-CN': '应为不含通配符（+ #）的 MQTT 主题，最多 256 个字符' },
  password_length: { en: 'must be 8-128 characters', 'zh-CN': '应为 8–128 个字符' },
  password_too_short: { en: 'must be at least {min} characters', 'zh-CN': '至少 {min} 个字符' },
  password_too_long: { en: 'must be at most {max} characters', 'zh-CN': '不能超过 {max} 个字符' },
  password_has_username: { en: 'must not contain the user name', 'zh-CN': '不能包含用户名' },
  password_common: { en: 'is one of the most common passwords; choose another', 'zh-CN': '是最常见的密码之一，请换一个' },
  password_not_current: { en: 'is not your current password', 'zh-CN': '不是您当前的密码' },
  password_unchanged: { en: 'must differ from the current password', 'zh-CN': '不能与当前密码相同' },
  username_taken: { en: 'this user name is taken (user names ignore case)', 'zh-CN': '该用户名已被占用（不区分大小写）' },
  identity_taken: { en: 'a user already stands for this identity at the identity provider', 'zh-CN': '已有用户对应统一身份认证中的这一身份' },
  last_admin_user: { en: 'this is the last active admin user; make another admin first', 'zh-CN': '这是最后一位有效的管理员，请先设置另一位管理员' },
  username_format: { en: 'must be 1-64 letters, digits, _ . @ - (starting with a letter or digit)', 'zh-CN': '应为 1–64 个字母、数字或 _ . @ -（以字母或数字开头）' },
  phone_format: { en: 'must be a phone number', 'zh-CN': '应为电话号码' },
  ref_not_found: { en: "{entity} '{id}' does not exist", 'zh-CN': '“{id}”不存在' },
  grid_level_order: { en: 'a {level} cannot sit under a {parentLevel} (parent {parent})', 'zh-CN': '{level}不能隶属于{parentLevel}（上级 {parent}）' },
  grid_loop: { en: 'would make the grid tree loop', 'zh-CN': '会使网格层级形成循环' },
  dispatch_needs_department: { en: 'dispatch needs departmentId', 'zh-CN': '派遣前请选择处置部门' },
  action_needs_note: { en: '{action} needs note', 'zh-CN': '请填写说明' },
  action_needs_rating: { en: '{action} needs rating', 'zh-CN': '请选择评分' },
  department_not_found: { en: "department '{id}' does not exist", 'zh-CN': '处置部门“{id}”不存在' },
  profile_not_found: { en: "detection profile '{name}' does not exist", 'zh-CN': '识别配置“{name}”不存在' },
  // Bulk import: how a CSV's bytes were read (device-registry/import/encoding.ts).
  csv_read_as_gb18030: { en: 'the file is not UTF-8; it was read as GB18030 (GBK), as Excel saves a CSV in Chinese', 'zh-CN': '文件不是 UTF-8 编码，已按 GB18030（GBK）读取。如有乱码，请在 Excel 中另存为“CSV UTF-8”。' },
  csv_neither_encoding: { en: 'the file is neither UTF-8 nor GB18030 (GBK): save it from Excel as "CSV UTF-8" and import it again', 'zh-CN': '文件既不是 UTF-8 也不是 GB18030（GBK）编码：请在 Excel 中另存为“CSV UTF-8”后重新导入' },
  csv_not_gb18030: { en: 'the file is not GB18030 (GBK): choose UTF-8 as the encoding, or save it from Excel as "CSV UTF-8"', 'zh-CN': '文件不是 GB18030（GBK）编码：请选择 UTF-8 编码，或在 Excel 中另存为“CSV UTF-8”' },
  import_duplicate_row: { en: 'duplicate of row {row}', 'zh-CN': '与第 {row} 行重复' },
  import_exists: { en: 'already exists (use onConflict=update)', 'zh-CN': '已存在（如需更新，请在“编号已存在时”选择更新已有设备）' },
  import_same_as_row: { en: 'same as row {row}', 'zh-CN': '与第 {row} 行相同' },
  import_rejected: { en: '{invalid} of {total} rows are invalid; nothing was written', 'zh-CN': '共 {total} 行，其中 {invalid} 行有误，未写入任何数据' },
  charset_unsupported: { en: "charset '{charset}' is not supported; use utf-8 or gb18030", 'zh-CN': '不支持编码“{charset}”，请使用 UTF-8 或 GB18030' },
  // Sensor rules (evidence.ruleMessage beside the English `rule`).
  rule_above: { en: '{metric} > {threshold}', 'zh-CN': '{metric}高于 {threshold}' },
  rule_below: { en: '{metric} < {threshold}', 'zh-CN': '{metric}低于 {threshold}' },
  rule_rising: { en: '{metric} rising faster than {threshold}/min', 'zh-CN': '{metric}每分钟上升超过 {threshold}' },
  rule_falling: { en: '{metric} falling faster than {threshold}/min', 'zh-CN': '{metric}每分钟下降超过 {threshold}' },
  // Whole-request errors (body `messageCode`).
  not_found: { en: "{entity} '{id}' does not exist", 'zh-CN': '“{id}”不存在' },
  illegal_transition: { en: 'cannot {action} incident {incident}: it is {status} ({action} needs {allowed})', 'zh-CN': '事件 {incident} 当前为“{status}”，不能{action}' },
  claimed_by: { en: 'incident {incident} is claimed by {by}', 'zh-CN': '事件 {incident} 已被 {by} 领取' },
  role_may_not: { en: "role '{role}' may not {action} (allowed: {allowed})", 'zh-CN': '当前角色无权{action}' },
  test_too_often: { en: 'at most one test at a time and {perMinute} a minute per key; try again shortly', 'zh-CN': '连接测试过于频繁（每个密钥同时一次、每分钟最多 {perMinute} 次），请稍后再试' },
  // Single sign-on (device-registry/auth/oidc/): the sign-in page says these (?signin_error=<code>).
  sso_not_configured: { en: 'single sign-on is not configured', 'zh-CN': '未配置单点登录' },
  sso_unreachable: { en: 'the identity provider does not answer; try again later', 'zh-CN': '统一身份认证服务无响应，请稍后再试' },
  sso_refused: { en: 'single sign-on failed: the answer from the identity provider was refused; sign in again', 'zh-CN': '单点登录失败：身份认证结果无效，请重新登录' },
  sso_no_role: { en: 'your account at the identity provider has no role in this gateway; ask an administrator', 'zh-CN': '您的统一身份认证账号在本系统没有角色，请联系管理员' },
  sso_no_scope: { en: 'your account at the identity provider has no grid cells in this gateway; ask an administrator', 'zh-CN': '您的统一身份认证账号在本系统没有分配网格，请联系管理员' },
  sso_account_invalid: { en: 'your account at the identity provider does not fit this gateway ({reason}); ask an administrator', 'zh-CN': '您的统一身份认证账号与本系统的设置不符（{reason}），请联系管理员' },
  sso_user_disabled: { en: 'this account is disabled in this gateway', 'zh-CN': '该账号已在本系统停用' },
  // Incident titles.
  detection_title: { en: '{label} · {rule}', 'zh-CN': '{label} · {rule}' },
  camera_offline_title: { en: 'camera {camera} offline: {reason}', 'zh-CN': '摄像机 {camera} 离线：{reason}' },
  sensor_above_title: { en: '{sensor}: {metric} {value} {unit} (above {threshold})', 'zh-CN': '{sensor}：{metric} {value} {unit}（高于 {threshold}）' },
  sensor_below_title: { en: '{sensor}: {metric} {value} {unit} (below {threshold})', 'zh-CN': '{sensor}：{metric} {value} {unit}（低于 {threshold}）' },
  sensor_rising_title: { en: '{sensor}: {metric} rising {value} {unit}/min (faster than {threshold}/min)', 'zh-CN': '{sensor}：{metric}每分钟上升 {value} {unit}（超过 {threshold}）' },
  sensor_falling_title: { en: '{sensor}: {metric} falling {value} {unit}/min (faster than {threshold}/min)', 'zh-CN': '{sensor}：{metric}每分钟下降 {value} {unit}（超过 {threshold}）' },
  sensor_offline_title: { en: '{sensor}: offline ({reason})', 'zh-CN': '{sensor}：离线（{reason}）' },
  sensor_online_title: { en: '{sensor}: back online', 'zh-CN': '{sensor}：恢复在线' },
  gb28181_alarm_title: { en: 'GB28181 {what} from {source}', 'zh-CN': '{type}（报警源 {source}）' },
  onvif_event_title: { en: '{what} on camera {camera}', 'zh-CN': '摄像机 {camera}：{type}' },
  storage_low_title: { en: 'recording storage low on {node}: {usedGiB} GiB used, {heldGiB} GiB held by incidents, budget {budgetGiB} GiB, {freeGiB} GiB free; continuous recording paused on {channels}', 'zh-CN': '节点 {node} 录像存储不足：已用 {usedGiB} GiB，事件保全 {heldGiB} GiB，预算 {budgetGiB} GiB，剩余 {freeGiB} GiB；已暂停连续录像：{channels}' },
  invalid_time: { en: 'not a time (ISO-8601 or epoch ms)', 'zh-CN': '不是有效的时间（ISO-8601 或毫秒时间戳）' },
  range_from_after_to: { en: 'from must not be after to', 'zh-CN': '开始时间不能晚于结束时间' },
  range_too_long: { en: 'the range may span at most {days} days', 'zh-CN': '时间范围最多 {days} 天' },
  range_too_long_seconds: { en: 'the range may span at most {seconds} seconds', 'zh-CN': '时间范围最多 {seconds} 秒' },
  no_footage: { en: 'no recorded footage of {channel} in this range', 'zh-CN': '该时间段内没有 {channel} 的录像' },
  video_quality_title: { en: 'camera {camera} video quality: {defects}', 'zh-CN': '摄像机 {camera} 视频质量异常：{defects}' },
  // Adding ONVIF cameras (gateway/onvif/http): {host} is host:port, never a credential.
  onvif_auth_refused: { en: 'the camera at {host} refused this user name and password', 'zh-CN': '摄像机 {host} 拒绝了该用户名和密码' },
  onvif_unreachable: { en: 'no ONVIF device answers at {host}', 'zh-CN': '{host} 没有 ONVIF 设备应答' },
  onvif_timeout: { en: 'the camera at {host} did not answer within {seconds} s', 'zh-CN': '摄像机 {host} 在 {seconds} 秒内未应答' },
  onvif_bad_answer: { en: 'the device at {host} did not answer as an ONVIF camera: {reason}', 'zh-CN': '{host} 的设备未按 ONVIF 摄像机应答：{reason}' },
  onvif_no_stream: { en: 'the camera at {host} gives no RTSP stream for any of its profiles', 'zh-CN': '摄像机 {host} 的各配置文件均未提供 RTSP 流地址' },
  onvif_clock_skew: { en: 'the camera\'s clock is {seconds} s off the gateway\'s (corrected for when signing in)', 'zh-CN': '摄像机时钟与网关相差 {seconds} 秒（登录时已校正）' },
  onvif_not_onvif: { en: 'channel {channel} was not added from an ONVIF camera', 'zh-CN': '通道 {channel} 不是通过 ONVIF 添加的' },
  // Flow-log notes the system writes.
  condition_ended: { en: 'the condition ended', 'zh-CN': '报警条件已解除' },
  severity_changed: { en: 'severity {fromSeverity} → {toSeverity}', 'zh-CN': '等级 {fromSeverity} → {toSeverity}' },
  sla_missed: { en: 'SLA missed (deadline {deadline}): severity {fromSeverity} → {toSeverity}', 'zh-CN': '超过处置时限（{deadline}）：等级 {fromSeverity} → {toSeverity}' },
};

export type Params = Record<string, string | number>;

/** A template with `{name}` filled from params; a missing param stays as `{name}`. */
export function fill(template: string, params: Params = {}): string {
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** A coded message with its English text: what the API sends (`{code, params, message}`). */
export function say(code: keyof typeof MESSAGES & string, params?: Params): Coded & { message: string } {
  const entry = MESSAGES[code];
  if (!entry) throw new Error(`no message '${code}' in the catalogue`);
  return { code, ...(params ? { params } : {}), message: fill(entry.en, params) };
}

/** The code of a parameterless message given by its English text (schemas' `x-message`), if the catalogue has it. */
export function codeOfText(text: string): string | undefined {
  for (const [code, m] of Object.entries(MESSAGES)) if (m.en === text && !m.en.includes('{')) return code;
  return undefined;
}

/** A message in a language; undefined for a code the catalogue lacks. */
export function messageIn(lang: Lang, code: string, params?: Params): string | undefined {
  const entry = MESSAGES[code];
  return entry ? fill(entry[lang], params) : undefined;
}
