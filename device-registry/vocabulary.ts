// The words the gateway and the wall share, in one place: incident types,
// sensor kinds, why a device is offline, and units. The server reads it to
// attach a stable code to what it says (`reasonCode('no push')` → `no_push`);
// the wall (web-wall/src/i18n/vocabulary.ts) reads it to say each code in the
// operator's language. Pure data and functions: no Node, no DOM.
//
// How to add a word:
// - an incident type: one line in INCIDENT_TYPES, `type: { 'zh-CN': '…', en: '…' }`
//   (`<kind>_high|_low|_rising|_falling` need none: they are made from KINDS);
// - an offline reason: one line in REASONS, with the exact English text the
//   server sends today (`text`) or a pattern whose groups become `params`;
// - a unit: one line in UNITS, keyed by its UCUM code (`Cel`, `%RH`, `[ppm]`);
// - an object class a detector names: one line in OBJECT_LABELS; a sensor message problem: SENSOR_PROBLEMS;
//   a grid level: GRID_LEVEL_NAMES.
// vocabulary.test.ts checks every entry has both languages.

export type Lang = 'zh-CN' | 'en';
export type Names = Record<Lang, string>;

/** Sensor kinds (registry `kind`). */
export const KINDS: Record<string, Names> = {
  gas: { 'zh-CN': '燃气', en: 'Gas' },
  water_level: { 'zh-CN': '水位', en: 'Water level' },
  smoke: { 'zh-CN': '烟感', en: 'Smoke' },
  temperature: { 'zh-CN': '温度', en: 'Temperature' },
  humidity: { 'zh-CN': '温湿度', en: 'Humidity' },
  manhole: { 'zh-CN': '井盖', en: 'Manhole' },
};

export const INCIDENT_TYPES: Record<string, Names> = {
  intrusion: { 'zh-CN': '区域入侵', en: 'Intrusion' },
  vehicle_on_embankment: { 'zh-CN': '河堤车辆逗留', en: 'Vehicle on embankment' },
  gas_leak: { 'zh-CN': '燃气泄漏', en: 'Gas leak' },
  water_level: { 'zh-CN': '水位超限', en: 'Water level' },
  smoke: { 'zh-CN': '烟雾报警', en: 'Smoke' },
  smoke_alarm: { 'zh-CN': '烟雾报警', en: 'Smoke alarm' },
  manhole_open: { 'zh-CN': '井盖异动', en: 'Manhole cover' },
  temperature: { 'zh-CN': '温度异常', en: 'Temperature' },
  camera_offline: { 'zh-CN': '摄像机离线', en: 'Camera offline' },
  sensor_offline: { 'zh-CN': '传感器离线', en: 'Sensor offline' },
  video_quality: { 'zh-CN': '视频质量异常', en: 'Video quality' },
  storage_low: { 'zh-CN': '录像存储空间不足', en: 'Recording storage low' },
  camera_motion: { 'zh-CN': '摄像机移动侦测', en: 'Camera motion' },
  camera_tamper: { 'zh-CN': '摄像机遮挡/破坏', en: 'Camera tamper' },
  line_crossing: { 'zh-CN': '越线', en: 'Line crossing' },
  field_detection: { 'zh-CN': '区域入侵侦测', en: 'Field detection' },
  gb28181_video_loss: { 'zh-CN': '设备报警·视频丢失', en: 'Device alarm · video loss' },
  gb28181_tamper: { 'zh-CN': '设备报警·防拆', en: 'Device alarm · tamper' },
  gb28181_disk_full: { 'zh-CN': '设备报警·磁盘满', en: 'Device alarm · disk full' },
  gb28181_high_temperature: { 'zh-CN': '设备报警·高温', en: 'Device alarm · high temperature' },
  gb28181_low_temperature: { 'zh-CN': '设备报警·低温', en: 'Device alarm · low temperature' },
  gb28181_manual_video_alarm: { 'zh-CN': '设备报警·人工视频报警', en: 'Device alarm · manual video alarm' },
  gb28181_motion: { 'zh-CN': '设备报警·移动侦测', en: 'Device alarm · motion' },
  gb28181_left_object: { 'zh-CN': '设备报警·物品遗留', en: 'Device alarm · left object' },
  gb28181_object_removed: { 'zh-CN': '设备报警·物品移走', en: 'Device alarm · object removed' },
  gb28181_tripwire: { 'zh-CN': '设备报警·绊线', en: 'Device alarm · tripwire' },
  gb28181_intrusion: { 'zh-CN': '设备报警·入侵', en: 'Device alarm · intrusion' },
  gb28181_wrong_way: { 'zh-CN': '设备报警·逆行', en: 'Device alarm · wrong way' },
  gb28181_loitering: { 'zh-CN': '设备报警·徘徊', en: 'Device alarm · loitering' },
  gb28181_flow_count: { 'zh-CN': '设备报警·流量统计', en: 'Device alarm · flow count' },
  gb28181_crowd_density: { 'zh-CN': '设备报警·人群密度', en: 'Device alarm · crowd density' },
  gb28181_video_abnormal: { 'zh-CN': '设备报警·视频异常', en: 'Device alarm · video abnormal' },
  gb28181_fast_moving: { 'zh-CN': '设备报警·快速移动', en: 'Device alarm · fast moving' },
  gb28181_disk_fault: { 'zh-CN': '设备故障·磁盘', en: 'Device fault · disk' },
  gb28181_fan_fault: { 'zh-CN': '设备故障·风扇', en: 'Device fault · fan' },
  gb28181_phone_alarm: { 'zh-CN': '电话报警', en: 'Phone alarm' },
  gb28181_device_alarm: { 'zh-CN': '设备报警', en: 'Device alarm' },
  gb28181_sms_alarm: { 'zh-CN': '短信报警', en: 'SMS alarm' },
  gb28181_gps_alarm: { 'zh-CN': 'GPS 报警', en: 'GPS alarm' },
  gb28181_video_alarm: { 'zh-CN': '视频报警', en: 'Video alarm' },
  gb28181_device_fault: { 'zh-CN': '设备故障', en: 'Device fault' },
  gb28181_other_alarm: { 'zh-CN': '其他报警', en: 'Other alarm' },
  gb28181_alarm: { 'zh-CN': '设备报警', en: 'Device alarm' },
};

/** Picture defects found by video quality diagnosis (gateway/video/quality), named in video_quality incidents and the console. */
export const QUALITY_DEFECTS: Record<string, Names> = {
  frozen: { 'zh-CN': '画面冻结', en: 'Frozen picture' },
  black: { 'zh-CN': '黑屏', en: 'Black picture' },
  blank: { 'zh-CN': '纯色画面', en: 'Blank picture' },
  blur: { 'zh-CN': '图像模糊', en: 'Blurred' },
  covered: { 'zh-CN': '画面遮挡', en: 'Covered' },
  colour_cast: { 'zh-CN': '偏色', en: 'Colour cast' },
  noise: { 'zh-CN': '噪声干扰', en: 'Strong noise' },
};

/** Levels of the grid tree (device-registry/schemas/grid.ts GRID_LEVELS), named in grid_level_order. */
export const GRID_LEVEL_NAMES: Record<string, Names> = {
  district: { 'zh-CN': '区（县）', en: 'district' },
  street: { 'zh-CN': '街道（乡镇）', en: 'street' },
  community: { 'zh-CN': '社区（村）', en: 'community' },
  grid: { 'zh-CN': '网格', en: 'grid cell' },
};

/** The default sensor rule types `<kind>_<suffix>` (gateway/sensors/rules/resolve.ts). */
const RULE_SUFFIXES: Record<string, Names> = {
  high: { 'zh-CN': '过高', en: 'high' },
  low: { 'zh-CN': '过低', en: 'low' },
  rate: { 'zh-CN': '变化过快', en: 'changing fast' },
  rising: { 'zh-CN': '上升过快', en: 'rising fast' },
  falling: { 'zh-CN': '下降过快', en: 'falling fast' },
};

/** The name of an incident type, or undefined when it is not known here. */
export function incidentTypeName(type: string, lang: Lang): string | undefined {
  const known = INCIDENT_TYPES[type];
  if (known) return known[lang];
  const m = /^([a-z][a-z0-9_]*)_(high|low|rate|rising|falling)$/.exec(type);
  const kind = m ? KINDS[m[1]!] : undefined;
  if (!m || !kind) return undefined;
  const suffix = RULE_SUFFIXES[m[2]!]!;
  return lang === 'zh-CN' ? `${kind[lang]}${suffix[lang]}` : `${kind[lang]} ${suffix[lang]}`;
}

export interface Reason extends Names {
  /** The English the server has sent since before codes (kept for API users). */
  text?: string;
  /** Or a pattern over that English; its named groups become the params. */
  pattern?: RegExp;
}

/**
 * Why a camera or sensor is not online. Codes are snake_case; zh-CN and en
 * texts may use the params as `{name}`.
 */
export const REASONS: Record<string, Reason> = {
  auth_failed: { text: 'auth failed', 'zh-CN': '认证失败', en: 'Login refused' },
  unreachable: { text: 'unreachable', 'zh-CN': '无法连接', en: 'Unreachable' },
  not_found: { text: 'not found', 'zh-CN': '流不存在', en: 'Stream not found' },
  timeout: { text: 'timeout', 'zh-CN': '超时', en: 'Timed out' },
  no_video_stream: { text: 'no video stream', 'zh-CN': '无视频流', en: 'No video stream' },
  codec_unsupported: { text: 'codec unsupported', 'zh-CN': '编码不支持', en: 'Codec not supported' },
  stopped: { text: 'stopped', 'zh-CN': '已停止', en: 'Stopped' },
  no_push: { text: 'no push', 'zh-CN': '未推流', en: 'Nothing pushed' },
  exited: { text: 'exited', 'zh-CN': '进程退出', en: 'Ingest exited' },
  end_of_stream: { text: 'end of stream', 'zh-CN': '流已结束', en: 'Stream ended' },
  device_offline: { text: 'device offline', 'zh-CN': '设备离线', en: 'Device offline' },
  device_not_registered: { text: 'device offline: not registered', 'zh-CN': '设备离线：未注册', en: 'Device offline: not registered' },
  device_disabled: { text: 'device offline: disabled', 'zh-CN': '设备离线：已停用', en: 'Device offline: disabled' },
  device_deleted: { text: 'device offline: deleted', 'zh-CN': '设备离线：已删除', en: 'Device offline: deleted' },
  device_no_keepalive: {
    pattern: /^device offline: no keepalive for (?<missed>\d+) intervals of (?<seconds>\d+) s$/,
    'zh-CN': '设备离线：连续 {missed} 个周期（{seconds} 秒）无心跳', en: 'Device offline: no keepalive for {missed} intervals of {seconds} s',
  },
  device_node_left: { pattern: /^device offline: node (?<node>\S+) holding its registration left the cluster/, 'zh-CN': '设备离线：注册所在节点 {node} 已离开集群，等待设备重新注册', en: 'Device offline: node {node} holding its registration left; waiting for the device to register again' },
  device_offline_because: { pattern: /^device offline: (?<detail>.+)$/, 'zh-CN': '设备离线：{detail}', en: 'Device offline: {detail}' },
  invite_refused: { text: 'invite refused', 'zh-CN': '设备拒绝点播', en: 'Device refused to play' },
  disabled: { text: 'disabled', 'zh-CN': '已停用', en: 'Disabled' },
  idle_on_demand: { text: 'idle (on demand)', 'zh-CN': '按需，无人观看', en: 'On demand, nobody watching' },
  gb28181_disabled: { text: 'GB28181 is disabled in the configuration', 'zh-CN': '网关未启用 GB28181', en: 'GB28181 is disabled on this gateway' },
  rtmp_disabled: { text: 'RTMP push is disabled in the configuration', 'zh-CN': '网关未启用 RTMP 推流', en: 'RTMP push is disabled on this gateway' },
  elsewhere: { text: 'runs on another node', 'zh-CN': '在其他节点运行', en: 'Runs on another node' },
  no_node: { text: 'no node runs it right now', 'zh-CN': '暂无节点运行', en: 'No node runs it right now' },
  lwt_offline: { text: 'LWT offline', 'zh-CN': '设备遗嘱：离线', en: 'Device said offline (LWT)' },
  no_reading: { pattern: /^no reading for (?<seconds>\d+) s$/, 'zh-CN': '{seconds} 秒无读数', en: 'No reading for {seconds} s' },
  sensor_disabled: { text: 'disabled in the registry', 'zh-CN': '已在设备管理中停用', en: 'Disabled in the registry' },
  no_message_yet: { text: 'no message yet', 'zh-CN': '尚未收到消息', en: 'No message yet' },
  offline: { text: 'offline', 'zh-CN': '离线', en: 'Offline' },
  unknown: { text: 'unknown', 'zh-CN': '原因未知', en: 'Unknown' },
};

export interface Coded { code: string; params?: Record<string, string | number> }

/** The code (and params) of a reason the server states in English; undefined for a text not in REASONS. */
export function reasonCode(text: string | undefined): Coded | undefined {
  if (text === undefined) return undefined;
  for (const [code, r] of Object.entries(REASONS)) if (r.text === text) return { code };
  for (const [code, r] of Object.entries(REASONS)) {
    const m = r.pattern?.exec(text);
    if (m) return { code, ...(m.groups ? { params: { ...m.groups } } : {}) };
  }
  return undefined;
}

/** What went wrong with a sensor's messages (gateway/sensors/state/sensor-state.ts BAD_REASONS). */
export const SENSOR_PROBLEMS: Record<string, Names> = {
  malformed: { 'zh-CN': '消息格式错误', en: 'Malformed message' },
  invalid: { 'zh-CN': '字段不符合要求', en: 'Invalid fields' },
  impossible: { 'zh-CN': '数值超出物理范围', en: 'Impossible value' },
  bad_timestamp: { 'zh-CN': '时间戳无效', en: 'Bad timestamp' },
  acl_denied: { 'zh-CN': '无权发布到该主题', en: 'Topic not allowed' },
  oversize: { 'zh-CN': '消息过大', en: 'Message too large' },
  rate_limited: { 'zh-CN': '发送过快，已限流', en: 'Rate limited' },
  auth_failed: { 'zh-CN': '认证失败', en: 'Login refused' },
  store_failed: { 'zh-CN': '读数写入失败', en: 'Could not store the reading' },
  internal: { 'zh-CN': '网关内部错误', en: 'Gateway error' },
};

/** Object classes the detectors name (COCO labels), in detection titles and evidence. */
export const OBJECT_LABELS: Record<string, Names> = {
  person: { 'zh-CN': '人员', en: 'person' },
  bicycle: { 'zh-CN': '自行车', en: 'bicycle' },
  car: { 'zh-CN': '汽车', en: 'car' },
  motorcycle: { 'zh-CN': '摩托车', en: 'motorcycle' },
  bus: { 'zh-CN': '公交车', en: 'bus' },
  truck: { 'zh-CN': '货车', en: 'truck' },
  boat: { 'zh-CN': '船只', en: 'boat' },
  dog: { 'zh-CN': '狗', en: 'dog' },
  backpack: { 'zh-CN': '背包', en: 'backpack' },
  suitcase: { 'zh-CN': '行李箱', en: 'suitcase' },
  fire: { 'zh-CN': '火焰', en: 'fire' },
  smoke: { 'zh-CN': '烟雾', en: 'smoke' },
};

/** How a unit is written beside a value; keys are UCUM codes (as sensors and the registry carry them). */
export const UNITS: Record<string, Names> = {
  Cel: { 'zh-CN': '°C', en: '°C' },
  '[degF]': { 'zh-CN': '°F', en: '°F' },
  K: { 'zh-CN': 'K', en: 'K' },
  '%': { 'zh-CN': '%', en: '%' },
  '%RH': { 'zh-CN': '%RH', en: '%RH' },
  '%LEL': { 'zh-CN': '%LEL', en: '%LEL' },
  '%VOL': { 'zh-CN': '%VOL', en: '%VOL' },
  '%/m': { 'zh-CN': '%/m', en: '%/m' },
  ppm: { 'zh-CN': 'ppm', en: 'ppm' },
  '[ppm]': { 'zh-CN': 'ppm', en: 'ppm' },
  m: { 'zh-CN': 'm', en: 'm' },
  cm: { 'zh-CN': 'cm', en: 'cm' },
  mm: { 'zh-CN': 'mm', en: 'mm' },
  deg: { 'zh-CN': '°', en: '°' },
  V: { 'zh-CN': 'V', en: 'V' },
  'mg/m3': { 'zh-CN': 'mg/m³', en: 'mg/m³' },
  'ug/m3': { 'zh-CN': 'μg/m³', en: 'μg/m³' },
  hPa: { 'zh-CN': 'hPa', en: 'hPa' },
  'm/s': { 'zh-CN': 'm/s', en: 'm/s' },
  'm3/h': { 'zh-CN': 'm³/h', en: 'm³/h' },
  'L/s': { 'zh-CN': 'L/s', en: 'L/s' },
};

/** A unit as a person reads it ('Cel' → '°C'); an unknown code is shown as it is. */
export function unitSymbol(ucum: string | null | undefined, lang: Lang): string {
  if (!ucum) return '';
  return UNITS[ucum]?.[lang] ?? ucum;
}
