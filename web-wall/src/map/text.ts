// The map's and the alarm linkage's texts in zh-CN and en.
import { addText } from '../i18n/index.ts';

addText({
  'zh-CN': {
    'nav.map': '地图', 'map.heat': '热力', 'map.period.off': '不显示', 'map.period.today': '今日', 'map.period.7d': '近 7 天', 'map.period.30d': '近 30 天',
    'map.sensor': '传感器', 'map.noTiles': '未配置底图：仅显示网格轮廓', 'map.pickHint': '点击地图上的摄像机、传感器、事件或网格查看详情',
    'map.pick.channel': '摄像机', 'map.pick.sensor': '传感器', 'map.pick.incident': '事件', 'map.pick.grid': '网格',
    'map.sendToWall': '上墙', 'map.player.empty': '', 'map.player.loading': '连接中…', 'map.player.playing': '播放中', 'map.player.failed': '播放失败', 'map.player.stalled': '卡顿',
    'map.devicesOnline': '设备在线', 'map.openIncidents': '未结事件', 'map.slaBreach': '超时率（近 30 天）',
    'map.nearCameras': '附近摄像机', 'map.noNearCameras': '{m} 米内没有摄像机', 'map.metres': '{n} 米',
    'map.linkage.bring': '将 {n} 路摄像机上墙', 'map.linkage.placed': '已将 {n} 路附近摄像机上墙',
  },
  en: {
    'nav.map': 'Map', 'map.heat': 'Heat', 'map.period.off': 'Off', 'map.period.today': 'Today', 'map.period.7d': 'Last 7 days', 'map.period.30d': 'Last 30 days',
    'map.sensor': 'Sensor', 'map.noTiles': 'No base map configured: grid outlines only', 'map.pickHint': 'Click a camera, sensor, incident or grid cell on the map',
    'map.pick.channel': 'Camera', 'map.pick.sensor': 'Sensor', 'map.pick.incident': 'Incident', 'map.pick.grid': 'Grid cell',
    'map.sendToWall': 'Send to wall', 'map.player.empty': '', 'map.player.loading': 'Connecting…', 'map.player.playing': 'Playing', 'map.player.failed': 'Cannot play', 'map.player.stalled': 'Stalled',
    'map.devicesOnline': 'Devices online', 'map.openIncidents': 'Open incidents', 'map.slaBreach': 'SLA breach rate (30 days)',
    'map.nearCameras': 'Nearest cameras', 'map.noNearCameras': 'No camera within {m} m', 'map.metres': '{n} m',
    'map.linkage.bring': 'Bring {n} cameras to the wall', 'map.linkage.placed': '{n} nearby cameras brought to the wall',
  },
});
