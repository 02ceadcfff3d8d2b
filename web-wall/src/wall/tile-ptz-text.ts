import { addText } from '../i18n/index.ts';

addText({
  'zh-CN': {
    'ptz.open': '云台控制', 'ptz.short': '云台', 'ptz.up': '上', 'ptz.down': '下', 'ptz.left': '左', 'ptz.right': '右',
    'ptz.zoom-in': '放大', 'ptz.zoom-out': '缩小', 'ptz.speed': '速度', 'ptz.presetN': '预置位 {n}', 'ptz.delete': '删除预置位',
    'ptz.name': '名称', 'ptz.set': '设置', 'ptz.setTitle': '把当前位置设为这个编号的预置位',
  },
  en: {
    'ptz.open': 'PTZ control', 'ptz.short': 'PTZ', 'ptz.up': 'Up', 'ptz.down': 'Down', 'ptz.left': 'Left', 'ptz.right': 'Right',
    'ptz.zoom-in': 'Zoom in', 'ptz.zoom-out': 'Zoom out', 'ptz.speed': 'Speed', 'ptz.presetN': 'Preset {n}', 'ptz.delete': 'Remove the preset',
    'ptz.name': 'Name', 'ptz.set': 'Set', 'ptz.setTitle': 'Keep the current position as the preset of this number',
  },
});
