import { addText } from '../i18n/index.ts';
import { nameParam } from '../i18n/server-text.ts';
import { channelById } from '../store/registry.ts';

addText({
  'zh-CN': {
    'wall.layout': '分屏', 'wall.mode': '播放', 'wall.mode.hls': 'HLS', 'wall.mode.flv': '低延迟 FLV',
    'wall.presets': '预案', 'wall.presetName': '预案名称', 'wall.savePreset': '保存预案', 'wall.deletePreset': '删除', 'wall.choosePreset': '选择预案…',
    'wall.tour': '轮巡', 'wall.tourAll': '全部摄像机', 'wall.tourSeconds': '间隔(秒)', 'wall.tourStart': '开始轮巡', 'wall.tourStop': '停止轮巡',
    'wall.tourRunning': '轮巡中 · 第 {page} 页', 'wall.alarmTileSelect': '报警窗口', 'wall.alarmTile': '报警窗口', 'wall.tileN': '窗口 {n}',
    'wall.sound': '声音告警', 'wall.searchCameras': '搜索摄像机（名称、编号、标签）', 'wall.unplaced': '未分配网格',
    'wall.dropHere': '点击左侧摄像机或拖入此处', 'wall.unknownCamera': '摄像机已删除', 'wall.noSignal': '无信号', 'wall.loading': '正在拉流…',
    'wall.failed': '播放失败', 'wall.retry': '重试', 'wall.clearTile': '关闭画面', 'wall.latency': '延迟 {s} 秒', 'wall.cameras': '摄像机',
    'alarms.title': '实时报警', 'alarms.none': '暂无未受理报警', 'alarms.acknowledge': '受理', 'alarms.handOver': '移交调度',
    'alarms.changed': '该事件已被他人处理，已刷新',
  },
  en: {
    'wall.layout': 'Layout', 'wall.mode': 'Play', 'wall.mode.hls': 'HLS', 'wall.mode.flv': 'Low-latency FLV',
    'wall.presets': 'Presets', 'wall.presetName': 'Preset name', 'wall.savePreset': 'Save preset', 'wall.deletePreset': 'Delete', 'wall.choosePreset': 'Choose a preset…',
    'wall.tour': 'Tour', 'wall.tourAll': 'All cameras', 'wall.tourSeconds': 'Every (s)', 'wall.tourStart': 'Start tour', 'wall.tourStop': 'Stop tour',
    'wall.tourRunning': 'Touring · page {page}', 'wall.alarmTileSelect': 'Alarm tile', 'wall.alarmTile': 'Alarm tile', 'wall.tileN': 'Tile {n}',
    'wall.sound': 'Sound', 'wall.searchCameras': 'Search cameras (name, id, tag)', 'wall.unplaced': 'No grid cell',
    'wall.dropHere': 'Click a camera on the left or drop it here', 'wall.unknownCamera': 'Camera was deleted', 'wall.noSignal': 'No signal', 'wall.loading': 'Loading stream…',
    'wall.failed': 'Playback failed', 'wall.retry': 'Retry', 'wall.clearTile': 'Close', 'wall.latency': '{s} s behind', 'wall.cameras': 'Cameras',
    'alarms.title': 'Live alarms', 'alarms.none': 'No unacknowledged alarms', 'alarms.acknowledge': 'Acknowledge', 'alarms.handOver': 'Hand over to dispatch',
    'alarms.changed': 'Someone else handled this incident; refreshed',
  },
});

// A camera named in a server message (an alarm title) is shown by its name.
nameParam('camera', (id) => channelById.value.get(id)?.name);
