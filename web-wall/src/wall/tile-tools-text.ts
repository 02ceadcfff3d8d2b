import { addText } from '../i18n/index.ts';

addText({
  'zh-CN': {
    'wall.stream.main': '主码流', 'wall.stream.sub': '子码流',
    'wall.snapshot': '抓拍：下载当前画面（JPEG）', 'wall.snapshotShort': '抓拍', 'wall.zoomReset': '电子放大：点击复原（滚轮缩放，拖动平移）',
    'wall.saveToIncident': '把当前画面存入报警事件（证据）', 'wall.saveToIncidentShort': '存入事件', 'wall.savedToIncident': '已存入',
  },
  en: {
    'wall.stream.main': 'Main stream', 'wall.stream.sub': 'Sub-stream',
    'wall.snapshot': 'Snapshot: download the picture (JPEG)', 'wall.snapshotShort': 'Snapshot', 'wall.zoomReset': 'Digital zoom: click to reset (wheel zooms, drag pans)',
    'wall.saveToIncident': 'Save the picture to the alarm\'s incident (evidence)', 'wall.saveToIncidentShort': 'Save to incident', 'wall.savedToIncident': 'Saved',
  },
});
