// Notifications as real cameras send them for the events the gateway turns
// into incidents (topics of the ONVIF topic set; Source and Data items as
// Hikvision/Axis/Dahua name them), for tests: dev.emit(simEvents.motion(true)).
import type { SimNotification } from './pull-points.ts';

export const SIM_TOPICS = {
  motion: 'tns1:RuleEngine/CellMotionDetector/Motion',
  motionAlarm: 'tns1:VideoSource/MotionAlarm',
  tamper: 'tns1:VideoSource/GlobalSceneChange/ImagingService',
  lineCrossing: 'tns1:RuleEngine/LineDetector/Crossed',
  fieldDetection: 'tns1:RuleEngine/FieldDetector/ObjectsInside',
} as const;

const analytics = (rule: string) => ({
  VideoSourceConfigurationToken: 'VideoSourceToken', VideoAnalyticsConfigurationToken: 'VideoAnalyticsToken', Rule: rule,
});

export const simEvents = {
  motion: (on: boolean): SimNotification => ({ topic: SIM_TOPICS.motion, source: analytics('MyMotionDetectorRule'), data: { IsMotion: String(on) } }),
  motionAlarm: (on: boolean): SimNotification => ({ topic: SIM_TOPICS.motionAlarm, source: { Source: 'VideoSource_1' }, data: { State: String(on) } }),
  tamper: (on: boolean): SimNotification => ({ topic: SIM_TOPICS.tamper, source: { Source: 'VideoSource_1' }, data: { State: String(on) } }),
  lineCrossing: (objectId = 1): SimNotification => ({ topic: SIM_TOPICS.lineCrossing, source: analytics('MyLineDetectorRule'), data: { ObjectId: String(objectId) } }),
  fieldDetection: (inside: boolean): SimNotification => ({ topic: SIM_TOPICS.fieldDetection, source: analytics('MyFieldDetectorRule'), key: { ObjectId: '1' }, data: { IsInside: String(inside) } }),
};
