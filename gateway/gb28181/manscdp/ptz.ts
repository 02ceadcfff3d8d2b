// PTZCmd codec (GB/T 28181 appendix A.3): 8 bytes sent as 16 hex chars in a
// DeviceControl body.
//   1 A5 | 2 0F (version 0, check nibble) | 3 address low 8 bits
//   4 command bits: 01 right, 02 left, 04 down, 08 up, 10 zoom in, 20 zoom out (00 = stop)
//   5 pan speed | 6 tilt speed | 7 zoom speed << 4 | address >> 8 | 8 sum of bytes 1–7 mod 256
// Only motion commands live here; byte 4 values 0x40+ (focus/iris) and 0x80+
// (presets, cruise, scan) are reported as unsupported, not misread as motion.
import { ManscdpError } from './errors.ts';

export interface PtzMove {
  pan?: 'left' | 'right';
  tilt?: 'up' | 'down';
  zoom?: 'in' | 'out';
  panSpeed?: number;
  tiltSpeed?: number;
  zoomSpeed?: number;
  /** PTZ address (the camera on a shared bus); almost always 1. */
  address?: number;
}

/** What decodePtzCmd returns: every number is known once decoded. */
export type DecodedPtz = PtzMove & { panSpeed: number; tiltSpeed: number; zoomSpeed: number; address: number };

export const PTZ_LIMITS = {
  panSpeed: { min: 0, max: 255 },
  tiltSpeed: { min: 0, max: 255 },
  zoomSpeed: { min: 0, max: 15 },
  address: { min: 0, max: 4095 },
} as const;

const ENUMS = { pan: ['left', 'right'], tilt: ['up', 'down'], zoom: ['in', 'out'] } as const;

/** Used when an axis moves without a speed given: speed 0 would not move most cameras. */
export const PTZ_DEFAULT_SPEED = { panSpeed: 0x80, tiltSpeed: 0x80, zoomSpeed: 8, address: 1 } as const;

const BITS = { right: 0x01, left: 0x02, down: 0x04, up: 0x08, in: 0x10, out: 0x20 } as const;

export interface PtzInputProblem {
  field: string;
  message: string;
}

/** Every problem with a PTZ request body, each naming its field (for a 400 listing them all). */
export function checkPtzMove(input: unknown): PtzInputProblem[] {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return [{ field: '', message: 'must be an object' }];
  const problems: PtzInputProblem[] = [];
  const obj = input as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!Object.hasOwn(ENUMS, key) && !Object.hasOwn(PTZ_LIMITS, key)) problems.push({ field: key, message: 'is not a PTZ field' });
  }
  for (const [field, allowed] of Object.entries(ENUMS)) {
    const v = obj[field];
    if (v !== undefined && !(allowed as readonly unknown[]).includes(v)) {
      problems.push({ field, message: `must be ${allowed.map((a) => `'${a}'`).join(' or ')}` });
    }
  }
  for (const [field, { min, max }] of Object.entries(PTZ_LIMITS)) {
    const v = obj[field];
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= min && (v as number) <= max)) {
      problems.push({ field, message: `must be an integer from ${min} to ${max}` });
    }
  }
  return problems;
}

/** Throws a PTZ_BAD_INPUT ManscdpError naming the first bad field. */
export function validatePtzMove(input: unknown): PtzMove {
  const first = checkPtzMove(input)[0];
  if (first) throw new ManscdpError('PTZ_BAD_INPUT', first.field ? `${first.field}: ${first.message}` : `PTZ input ${first.message}`, first.field);
  return input as PtzMove;
}

export function encodePtzCmd(input: PtzMove): string {
  const move = validatePtzMove(input);
  const address = move.address ?? PTZ_DEFAULT_SPEED.address;
  const speed = (axis: 'pan' | 'tilt' | 'zoom', key: 'panSpeed' | 'tiltSpeed' | 'zoomSpeed'): number =>
    move[key] ?? (move[axis] ? PTZ_DEFAULT_SPEED[key] : 0);
  const bytes = [
    0xa5,
    0x0f,
    address & 0xff,
    (move.pan ? BITS[move.pan] : 0) | (move.tilt ? BITS[move.tilt] : 0) | (move.zoom ? BITS[move.zoom] : 0),
    speed('pan', 'panSpeed'),
    speed('tilt', 'tiltSpeed'),
    (speed('zoom', 'zoomSpeed') << 4) | (address >> 8),
  ];
  bytes.push(bytes.reduce((a, b) => a + b, 0) & 0xff);
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join('').toUpperCase();
}

/** Checks a PTZCmd's form, header and checksum (any command, presets too); returns it upper-cased. */
export function checkPtzCmd(hex: string): string {
  const clean = hex.trim().toUpperCase();
  if (!/^[0-9A-F]{16}$/.test(clean)) throw new ManscdpError('PTZ_BAD_COMMAND', 'PTZCmd must be 16 hex characters', 'PTZCmd');
  const b = Buffer.from(clean, 'hex');
  const at = (i: number): number => b[i] ?? 0;
  if (at(0) !== 0xa5) throw new ManscdpError('PTZ_BAD_COMMAND', `PTZCmd must start with A5, not ${clean.slice(0, 2)}`, 'PTZCmd');
  if ((at(1) & 0x0f) !== ((0xa + 0x5 + (at(1) >> 4)) & 0x0f)) {
    throw new ManscdpError('PTZ_BAD_COMMAND', `PTZCmd byte 2 (${clean.slice(2, 4)}) is not a valid version/check code`, 'PTZCmd');
  }
  let sum = 0;
  for (let i = 0; i < 7; i++) sum += at(i);
  if ((sum & 0xff) !== at(7)) {
    throw new ManscdpError('PTZ_BAD_CHECKSUM', `PTZCmd checksum is ${clean.slice(14)}, expected ${(sum & 0xff).toString(16).padStart(2, '0').toUpperCase()}`, 'PTZCmd');
  }
  return clean;
}

export function decodePtzCmd(hex: string): DecodedPtz {
  const clean = checkPtzCmd(hex);
  const b = Buffer.from(clean, 'hex');
  const at = (i: number): number => b[i] ?? 0;
  const cmd = at(3);
  if (cmd & 0xc0) throw new ManscdpError('PTZ_UNSUPPORTED', `PTZCmd command 0x${clean.slice(6, 8)} is not a pan/tilt/zoom motion`, 'PTZCmd');
  const axis = <T extends string>(a: number, b2: number, ta: T, tb: T): T | undefined => {
    if ((cmd & a) && (cmd & b2)) throw new ManscdpError('PTZ_BAD_COMMAND', `PTZCmd asks for both ${ta} and ${tb}`, 'PTZCmd');
    return cmd & a ? ta : cmd & b2 ? tb : undefined;
  };
  const out: DecodedPtz = { panSpeed: at(4), tiltSpeed: at(5), zoomSpeed: at(6) >> 4, address: ((at(6) & 0x0f) << 8) | at(2) };
  const pan = axis(BITS.left, BITS.right, 'left', 'right');
  const tilt = axis(BITS.up, BITS.down, 'up', 'down');
  const zoom = axis(BITS.in, BITS.out, 'in', 'out');
  if (pan) out.pan = pan;
  if (tilt) out.tilt = tilt;
  if (zoom) out.zoom = zoom;
  return out;
}
