// Playback texts (zh-CN and en): the tile's 回放 mode, the timeline, sync and export.
import { addText } from '../i18n/index.ts';

addText({
  'zh-CN': {
    'playback.toPlayback': '回放', 'playback.toLive': '返回实时', 'playback.toPlaybackTitle': '切换到录像回放', 'playback.toLiveTitle': '回到实时画面',
    'playback.badge': '回放', 'playback.noFootage': '该时段无录像', 'playback.loading': '正在加载录像…', 'playback.end': '已播到录像末尾，等待新录像', 'playback.failed': '录像播放失败：{reason}',
    'playback.timeline': '录像时间轴', 'playback.pickCamera': '选择一个窗口中的摄像机查看录像时间轴', 'playback.day': '日期', 'playback.zoom': '范围',
    'playback.zoom.day': '24 小时', 'playback.zoom.hour': '1 小时', 'playback.zoom.tenMinutes': '10 分钟', 'playback.speed': '倍速', 'playback.pause': '暂停', 'playback.resume': '播放', 'playback.paused': '已暂停', 'playback.pauseTitle': '暂停所有回放窗口', 'playback.resumeTitle': '继续播放', 'playback.jumpBack': '−10 秒', 'playback.jumpAhead': '+10 秒', 'playback.jumpBackTitle': '后退 10 秒', 'playback.jumpAheadTitle': '前进 10 秒', 'playback.frameBack': '上一帧', 'playback.frameAhead': '下一帧',
    'playback.recorded': '有录像', 'playback.deviceKept': '设备端录像（保存在设备上，点击在设备上回放）', 'playback.gap': '无录像（离线或中断）', 'playback.incident': '事件 {reason}：跳转到开始（含预录）',
    'playback.deviceBadge': '设备录像', 'playback.deviceBadgeTitle': '保存在 GB28181 设备上的录像，由设备回放；时间为设备录像的时间',
    'playback.deviceEnd': '设备录像已播完', 'playback.deviceNoPicture': '设备没有送来画面', 'playback.deviceTimeout': '设备未应答：{reason}',
    'playback.deviceRefused': '设备拒绝回放：{reason}', 'playback.deviceBusy': '回放过多，请先关闭一个：{reason}',
    'playback.sync': '同步回放', 'playback.syncTitle': '最多 4 个窗口同一时刻回放；误差超过 0.5 秒即校正',
    'playback.export': '导出', 'playback.exportTitle': '导出所选时段为 MP4', 'playback.exportFrom': '从', 'playback.exportTo': '到',
    'playback.exportAround': '播放点前后 {n} 分钟', 'playback.exportStart': '开始导出', 'playback.exportCancel': '取消',
    'playback.exportProgress': '导出中 {percent}%', 'playback.exportDone': '下载 MP4（{size}）', 'playback.exportFailed': '导出失败：{reason}',
    'playback.exportQueued': '排队中', 'playback.myExports': '我的导出', 'playback.myExportsNone': '还没有导出', 'playback.myExportsFailed': '无法读取我的导出：{reason}',
    'playback.clip': '事件录像', 'playback.clipRange': '{from} – {to}（{seconds} 秒）',
    // The flow log's record of a clip (gateway/recording/clips), named here with the clip it shows.
    'action.clip': '事件录像',
  },
  en: {
    'playback.toPlayback': 'Playback', 'playback.toLive': 'Back to live', 'playback.toPlaybackTitle': 'Switch to recorded playback', 'playback.toLiveTitle': 'Back to the live picture',
    'playback.badge': 'Playback', 'playback.noFootage': 'No footage at this time', 'playback.loading': 'Loading footage…', 'playback.end': 'End of the footage: waiting for newer', 'playback.failed': 'Playback failed: {reason}',
    'playback.timeline': 'Recording timeline', 'playback.pickCamera': 'Select a tile with a camera to see its recording timeline', 'playback.day': 'Day', 'playback.zoom': 'Span',
    'playback.zoom.day': '24 h', 'playback.zoom.hour': '1 h', 'playback.zoom.tenMinutes': '10 min', 'playback.speed': 'Speed', 'playback.pause': 'Pause', 'playback.resume': 'Play', 'playback.paused': 'paused', 'playback.pauseTitle': 'Pause every playback tile', 'playback.resumeTitle': 'Play on', 'playback.jumpBack': '−10 s', 'playback.jumpAhead': '+10 s', 'playback.jumpBackTitle': '10 s back', 'playback.jumpAheadTitle': '10 s ahead', 'playback.frameBack': 'One frame back', 'playback.frameAhead': 'One frame ahead',
    'playback.recorded': 'Recorded', 'playback.deviceKept': 'Kept on the device (click to play it back from the device)', 'playback.gap': 'No footage (offline or interrupted)', 'playback.incident': 'Incident {reason}: jump to its start (with pre-roll)',
    'playback.deviceBadge': 'Device recording', 'playback.deviceBadgeTitle': 'Kept on the GB28181 device and played back by it; the time is the recording\'s',
    'playback.deviceEnd': 'End of the device recording', 'playback.deviceNoPicture': 'The device sent no picture', 'playback.deviceTimeout': 'The device did not answer: {reason}',
    'playback.deviceRefused': 'The device refused the playback: {reason}', 'playback.deviceBusy': 'Too many playbacks, stop one first: {reason}',
    'playback.sync': 'Synchronous playback', 'playback.syncTitle': 'Up to 4 tiles play the same time; a drift over 0.5 s is corrected',
    'playback.export': 'Export', 'playback.exportTitle': 'Export the chosen range as MP4', 'playback.exportFrom': 'From', 'playback.exportTo': 'To',
    'playback.exportAround': '{n} min around the playhead', 'playback.exportStart': 'Export', 'playback.exportCancel': 'Cancel',
    'playback.exportProgress': 'Exporting {percent}%', 'playback.exportDone': 'Download MP4 ({size})', 'playback.exportFailed': 'Export failed: {reason}',
    'playback.exportQueued': 'Queued', 'playback.myExports': 'My exports', 'playback.myExportsNone': 'No exports yet', 'playback.myExportsFailed': 'Cannot read my exports: {reason}',
    'playback.clip': 'Incident clip', 'playback.clipRange': '{from} – {to} ({seconds} s)',
    'action.clip': 'Clip',
  },
});
