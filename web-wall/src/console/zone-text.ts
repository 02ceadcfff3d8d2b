// The zone editor's texts (zh-CN and en).
import { addText } from '../i18n/index.ts';

addText({
  'zh-CN': {
    'zones.open': '区域', 'zones.sep': '、', 'zones.noPicture': '暂无画面（摄像机离线或尚未出帧），仍可编辑区域。', 'zones.title': '{channel} · 识别配置 {profile} 的区域与遮罩',
    'zones.usedBy': '此配置被 {n} 台摄像机使用，保存后对它们全部生效',
    'zones.noProfile': '摄像机 {id} 没有识别配置，先在编辑页选择一个。',
    'zones.kind.zone': '命名区域', 'zones.kind.ruleZone': '规则区域', 'zones.kind.motionMask': '运动遮罩', 'zones.kind.objectMask': '目标遮罩',
    'zones.points': '{n} 个点', 'zones.rules': '用于规则：{rules}', 'zones.unused': '未被规则使用', 'zones.motionUse': '运动检测忽略此处的变化（所有规则）',
    'zones.hint': '在列表中选一个区域，或新增一个。', 'zones.hintSelected': '点击画面添加点（插在最近的边上），拖动白点移动，点选白点后按 Delete 或下方按钮删除，Esc 取消选择。',
    'zones.deletePoint': '删除选中的点', 'zones.deleteShape': '删除选中的区域',
    'zones.zoneName': '区域名称', 'zones.addZone': '新增命名区域', 'zones.addMotionMask': '新增运动遮罩',
    'zones.rule': '规则“{name}”（{classes}）', 'zones.addRuleZone': '画规则区域', 'zones.addObjectMask': '新增目标遮罩',
    'zones.test': '用最近几分钟的检测测试', 'zones.unsaved': '有未保存的修改', 'zones.saved': '已保存配置 {name}（{n} 台摄像机已按新配置运行）',
    'zones.testSpan': '回放了 {frames} 帧检测（{from}–{to}）', 'zones.testEmpty': '最近几分钟没有检测结果可回放。',
    'zones.wouldFire': '将触发 {n} 次：{times}', 'zones.wouldNotFire': '不会触发。',
    'zones.ruleResult': '“{rule}”：触发 {fired} 次，符合条件的检测 {matched} 个', 'zones.truncated': '只列出前 {n} 个符合条件的检测。',
  },
  en: {
    'zones.open': 'Zones', 'zones.sep': ', ', 'zones.noPicture': 'No picture (the camera is offline or has no frame yet); the zones can still be edited.', 'zones.title': '{channel} · zones and masks of profile {profile}',
    'zones.usedBy': 'Cameras using this profile: {n} (saving changes all of them)',
    'zones.noProfile': 'Camera {id} has no detection profile: choose one on its edit page first.',
    'zones.kind.zone': 'Named zone', 'zones.kind.ruleZone': 'Rule zone', 'zones.kind.motionMask': 'Motion mask', 'zones.kind.objectMask': 'Object mask',
    'zones.points': '{n} points', 'zones.rules': 'Used by rules: {rules}', 'zones.unused': 'No rule uses it', 'zones.motionUse': 'Motion here does not wake detection (all rules)',
    'zones.hint': 'Pick a zone in the list, or add one.', 'zones.hintSelected': 'Click the picture to add a point (on the nearest edge), drag a white point to move it, select one and press Delete (or the button below) to delete it, Esc to deselect.',
    'zones.deletePoint': 'Delete the point', 'zones.deleteShape': 'Delete the zone',
    'zones.zoneName': 'Zone name', 'zones.addZone': 'Add named zone', 'zones.addMotionMask': 'Add motion mask',
    'zones.rule': 'Rule “{name}” ({classes})', 'zones.addRuleZone': 'Draw its zone', 'zones.addObjectMask': 'Add object mask',
    'zones.test': 'Test against the last minutes', 'zones.unsaved': 'Unsaved changes', 'zones.saved': 'Saved profile {name} (cameras now running it: {n})',
    'zones.testSpan': 'Replayed {frames} frames of detections ({from}–{to})', 'zones.testEmpty': 'No detections in the last minutes to replay.',
    'zones.wouldFire': 'Would have fired {n} times: {times}', 'zones.wouldNotFire': 'Would not have fired.',
    'zones.ruleResult': '“{rule}”: fired {fired} times, {matched} detections matched', 'zones.truncated': 'Only the first {n} matching detections are listed.',
  },
});
