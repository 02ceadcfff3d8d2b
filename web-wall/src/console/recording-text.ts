// Texts of the camera form's recording policy (zh-CN and en).
import { addText } from '../i18n/index.ts';

addText({
  'zh-CN': {
    'console.col.recording': '录像',
    'console.recording.default': '按系统默认', 'console.recording.off': '不录像', 'console.recording.events': '事件录像（报警前后）', 'console.recording.continuous': '连续录像',
    'console.recording.hint': '事件录像只保留报警前后的画面；保留天数按系统配置',
  },
  en: {
    'console.col.recording': 'Recording',
    'console.recording.default': 'Configuration default', 'console.recording.off': 'Off', 'console.recording.events': 'Events (around alarms)', 'console.recording.continuous': 'Continuous',
    'console.recording.hint': 'Events keeps only footage around alarms; retention follows the configuration',
  },
});
