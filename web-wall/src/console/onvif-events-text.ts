// Texts of an ONVIF camera's events state on its facts panel (zh-CN and en).
import { addText } from '../i18n/index.ts';

addText({
  'zh-CN': {
    'console.onvif.eventsState': '事件订阅',
    'console.onvif.eventsState.subscribed': '已订阅', 'console.onvif.eventsState.starting': '正在订阅',
    'console.onvif.eventsState.failing': '订阅失败，稍后重试', 'console.onvif.eventsState.no-events': '摄像机不支持事件',
    'console.onvif.eventsState.off': '未订阅', 'console.onvif.eventsTypes': '产生事件：{types}',
  },
  en: {
    'console.onvif.eventsState': 'Events',
    'console.onvif.eventsState.subscribed': 'subscribed', 'console.onvif.eventsState.starting': 'subscribing',
    'console.onvif.eventsState.failing': 'failing, retrying', 'console.onvif.eventsState.no-events': 'the camera has no events',
    'console.onvif.eventsState.off': 'off', 'console.onvif.eventsTypes': 'raise: {types}',
  },
});
