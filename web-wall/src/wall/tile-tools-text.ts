import { addText } from '../i18n/index.ts';

addText({
  'zh-CN': {
    'wall.stream.main': '主码流', 'wall.stream.sub': '子码流',
    'wall.snapshot': '抓拍：下载当前画面（JPEG）', 'wall.snapshotShort': '抓拍', 'wall.zoomReset': '电子放大：点击复原（滚轮缩放，拖动平移）',
  },
  en: {
    'wall.stream.main': 'Main stream', 'wall.stream.sub': 'Sub-stream',
    'wall.snapshot': 'Snapshot: download the picture (JPEG)', 'wall.snapshotShort': 'Snapshot', 'wall.zoomReset': 'Digital zoom: click to reset (wheel zooms, drag pans)',
  },
});
