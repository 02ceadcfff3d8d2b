// Preset and cruise PTZCmd commands (GB/T 28181 appendix A.3.4 and A.3.5):
// the same 8-byte frame as a motion (ptz.ts), byte 4 naming the command.
//   preset: 81 set, 82 call, 83 delete | byte 5 00 | byte 6 preset 1–255
//   cruise: 84 add point, 85 remove point (preset 0: the whole cruise) | byte 5 cruise group | byte 6 preset
//           86 speed, 87 dwell seconds | byte 5 group | byte 6 value low 8 bits | byte 7 high nibble value bits 8–11
//           88 start | byte 5 group | byte 6 00
// A cruise stops with any motion command, the plain stop (encodePtzCmd({})).
import { ManscdpError } from './errors.ts';
import { checkPtzCmd, encodePtzCmd, type PtzInputProblem } from './ptz.ts';

export type PresetAction = 'set' | 'call' | 'delete';
/** `name` is what people call it (kept by the platform, never sent to the camera); set only. */
export interface PresetCommand { action: PresetAction; index: number; name?: string }
export type CruiseCommand =
  | { action: 'add' | 'remove'; group: number; preset: number }
  | { action: 'speed'; group: number; speed: number }
  | { action: 'dwell'; group: number; seconds: number }
  | { action: 'start' | 'stop'; group: number };

const PRESET_CODES = { set: 0x81, call: 0x82, delete: 0x83 } as const;
const CRUISE_CODES = { add: 0x84, remove: 0x85, speed: 0x86, dwell: 0x87, start: 0x88 } as const;
/** The field each cruise action needs besides `group`, and its range. */
const CRUISE_VALUE = {
  add: ['preset', 1, 255], remove: ['preset', 0, 255], speed: ['speed', 1, 4095], dwell: ['seconds', 1, 4095], start: undefined, stop: undefined,
} as const;

const isInt = (v: unknown, min: number, max: number) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Every problem with `{preset: {action, index, name?}}`'s inner object, fields named `preset.…`. */
export function checkPreset(input: unknown): PtzInputProblem[] {
  if (!isObject(input)) return [{ field: 'preset', message: 'must be an object {action, index}' }];
  const problems: PtzInputProblem[] = [];
  for (const key of Object.keys(input)) if (!['action', 'index', 'name'].includes(key)) problems.push({ field: `preset.${key}`, message: 'is not a preset field' });
  if (!Object.hasOwn(PRESET_CODES, String(input.action))) problems.push({ field: 'preset.action', message: "must be 'set', 'call' or 'delete'" });
  if (!isInt(input.index, 1, 255)) problems.push({ field: 'preset.index', message: 'must be an integer from 1 to 255' });
  if (input.name !== undefined && (input.action !== 'set' || typeof input.name !== 'string' || !input.name.trim() || input.name.length > 32)) {
    problems.push({ field: 'preset.name', message: 'is given with set only, 1 to 32 characters' });
  }
  return problems;
}

/** Every problem with `{cruise: {action, group, …}}`'s inner object, fields named `cruise.…`. */
export function checkCruise(input: unknown): PtzInputProblem[] {
  if (!isObject(input)) return [{ field: 'cruise', message: 'must be an object {action, group, …}' }];
  const action = String(input.action);
  if (!Object.hasOwn(CRUISE_VALUE, action)) {
    return [{ field: 'cruise.action', message: "must be 'add', 'remove', 'speed', 'dwell', 'start' or 'stop'" }];
  }
  const problems: PtzInputProblem[] = [];
  const value = CRUISE_VALUE[action as keyof typeof CRUISE_VALUE];
  const allowed = new Set(['action', 'group', ...(value ? [value[0]] : [])]);
  for (const key of Object.keys(input)) if (!allowed.has(key)) problems.push({ field: `cruise.${key}`, message: `is not a field of cruise ${action}` });
  if (!isInt(input.group, 0, 255)) problems.push({ field: 'cruise.group', message: 'must be an integer from 0 to 255' });
  if (value && !isInt(input[value[0]], value[1], value[2])) {
    problems.push({ field: `cruise.${value[0]}`, message: `must be an integer from ${value[1]} to ${value[2]}` });
  }
  return problems;
}

function frame(command: number, byte5: number, value: number, address: number): string {
  const bytes = [0xa5, 0x0f, address & 0xff, command, byte5, value & 0xff, ((value >> 8) << 4) | (address >> 8)];
  bytes.push(bytes.reduce((a, b) => a + b, 0) & 0xff);
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join('').toUpperCase();
}

const badInput = (p: PtzInputProblem) => new ManscdpError('PTZ_BAD_INPUT', `${p.field}: ${p.message}`, p.field);

export function encodePresetCmd(input: PresetCommand, address = 1): string {
  const first = checkPreset(input)[0];
  if (first) throw badInput(first);
  return frame(PRESET_CODES[input.action], 0, input.index, address);
}

export function encodeCruiseCmd(input: CruiseCommand, address = 1): string {
  const first = checkCruise(input)[0];
  if (first) throw badInput(first);
  switch (input.action) {
    case 'add':
    case 'remove':
      return frame(CRUISE_CODES[input.action], input.group, input.preset, address);
    case 'speed':
      return frame(CRUISE_CODES.speed, input.group, input.speed, address);
    case 'dwell':
      return frame(CRUISE_CODES.dwell, input.group, input.seconds, address);
    case 'start':
      return frame(CRUISE_CODES.start, input.group, 0, address);
    case 'stop':
      return encodePtzCmd({ address });
  }
}

export type DecodedPresetOrCruise = { preset: PresetCommand } | { cruise: CruiseCommand };

/** A preset or cruise PTZCmd back to its command; undefined for any other command (a motion, focus, iris). */
export function decodePresetCmd(hex: string): DecodedPresetOrCruise | undefined {
  const b = Buffer.from(checkPtzCmd(hex), 'hex');
  const at = (i: number): number => b[i] ?? 0;
  const group = at(4);
  const value12 = ((at(6) >> 4) << 8) | at(5);
  switch (at(3)) {
    case 0x81: return { preset: { action: 'set', index: at(5) } };
    case 0x82: return { preset: { action: 'call', index: at(5) } };
    case 0x83: return { preset: { action: 'delete', index: at(5) } };
    case 0x84: return { cruise: { action: 'add', group, preset: at(5) } };
    case 0x85: return { cruise: { action: 'remove', group, preset: at(5) } };
    case 0x86: return { cruise: { action: 'speed', group, speed: value12 } };
    case 0x87: return { cruise: { action: 'dwell', group, seconds: value12 } };
    case 0x88: return { cruise: { action: 'start', group } };
    default: return undefined;
  }
}
