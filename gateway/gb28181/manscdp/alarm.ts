// Alarm notifications from devices (Notify/Alarm). The platform answers the
// MESSAGE with 200 and may confirm with buildAlarmResponse. Priority, method
// and time are what an incident needs, so their absence is an error; the
// optional parts are read leniently because devices fill them inconsistently.
import type { AlarmNotify, ManscdpMessage } from './types.ts';
import { expectType } from './parse.ts';
import { compact, coordinates, lenientInt, requireInt, requireText } from './values.ts';
import { childElement, childText } from './xml.ts';

export function decodeAlarm(msg: ManscdpMessage): AlarmNotify {
  expectType(msg, 'Alarm', ['Notify']);
  const f = msg.fields;
  const info = childElement(f, 'Info');
  const typeParam = info ? childElement(info, 'AlarmTypeParam') : undefined;
  // 2016 puts AlarmType under <Info>; older devices put it at the top level.
  const type = (info ? lenientInt(info, 'AlarmType', 0, 9999) : undefined) ?? lenientInt(f, 'AlarmType', 0, 9999);
  return compact<AlarmNotify>({
    deviceId: msg.deviceId,
    priority: requireInt(f, 'AlarmPriority', 1, 4) as AlarmNotify['priority'],
    method: requireInt(f, 'AlarmMethod', 0, 99),
    type,
    eventType: typeParam ? lenientInt(typeParam, 'EventType', 0, 99) : undefined,
    time: requireText(f, 'AlarmTime'),
    description: childText(f, 'AlarmDescription'),
    ...coordinates(f),
  });
}
