// Camera event topics → incident types. Topics are matched without their
// namespace prefix (cameras bind tns1 to other prefixes) and case-insensitively;
// a state topic counts only when its state is on (IsMotion=true, State=true …),
// so the "off" half of each pair and the Initialized snapshot of a quiet camera
// raise nothing.
import type { OnvifEvent } from '../index.ts';

export const ONVIF_EVENT_TYPES = ['camera_motion', 'camera_tamper', 'line_crossing', 'field_detection'] as const;
export type OnvifEventType = (typeof ONVIF_EVENT_TYPES)[number];

interface TopicRule {
  /** The topic path without its prefix, lower case. */
  path: string;
  type: OnvifEventType;
  /** The data item that must be on; none: every message is an occurrence (a crossing). */
  state?: string[];
}

const RULES: TopicRule[] = [
  { path: 'ruleengine/cellmotiondetector/motion', type: 'camera_motion', state: ['IsMotion'] },
  { path: 'videosource/motionalarm', type: 'camera_motion', state: ['State'] },
  { path: 'videosource/globalscenechange/imagingservice', type: 'camera_tamper', state: ['State'] },
  { path: 'ruleengine/tamperdetector/tamper', type: 'camera_tamper', state: ['IsTamper', 'State'] },
  { path: 'ruleengine/linedetector/crossed', type: 'line_crossing' },
  { path: 'ruleengine/fielddetector/objectsinside', type: 'field_detection', state: ['IsInside'] },
];

/** tns1:RuleEngine/CellMotionDetector/Motion → ruleengine/cellmotiondetector/motion (each step's prefix dropped). */
export function topicPath(topic: string): string {
  return topic.trim().split('/').map((step) => step.slice(step.indexOf(':') + 1)).join('/').toLowerCase();
}

const isOn = (value: string | undefined) => value !== undefined && ['true', '1'].includes(value.trim().toLowerCase());

/** The incident type an event is an occurrence of, or undefined (another topic, or a state going off). */
export function incidentTypeOf(event: OnvifEvent): OnvifEventType | undefined {
  const path = topicPath(event.topic);
  const rule = RULES.find((r) => r.path === path);
  if (!rule) return undefined;
  if (!rule.state) return rule.type;
  return rule.state.some((key) => isOn(event.data[key])) ? rule.type : undefined;
}
