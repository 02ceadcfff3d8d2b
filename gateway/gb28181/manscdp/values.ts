// Reading typed values out of a parsed MANSCDP element. Every helper either
// returns a value it checked or throws a ManscdpError naming the element.
import { ManscdpError } from './errors.ts';
import { childText } from './xml.ts';
import type { XmlElement } from './xml.ts';

/** Device and channel codes: normally 20 digits, but some devices use letters or other lengths. */
const ID = /^[0-9A-Za-z_.-]{1,64}$/;

export const isValidId = (id: string): boolean => ID.test(id);

export function requireText(el: XmlElement, name: string): string {
  const v = childText(el, name);
  if (v === undefined) throw new ManscdpError('MANSCDP_MISSING_FIELD', `<${name}> is missing or empty`, name);
  return v;
}

export function requireId(el: XmlElement, name: string): string {
  const v = requireText(el, name);
  if (!isValidId(v)) throw new ManscdpError('MANSCDP_BAD_VALUE', `<${name}> is not a device code`, name);
  return v;
}

export function parseIntText(v: string, name: string, min: number, max: number): number {
  if (!/^[+]?\d{1,16}$/.test(v)) throw new ManscdpError('MANSCDP_BAD_VALUE', `<${name}> must be an integer`, name);
  const n = Number(v);
  if (n < min || n > max) throw new ManscdpError('MANSCDP_BAD_VALUE', `<${name}> must be from ${min} to ${max}`, name);
  return n;
}

export function requireInt(el: XmlElement, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  return parseIntText(requireText(el, name), name, min, max);
}

export function optionalInt(el: XmlElement, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = childText(el, name);
  return v === undefined ? undefined : parseIntText(v, name, min, max);
}

/** Optional integer that devices fill with junk often enough that junk means "not given". */
export function lenientInt(el: XmlElement, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = childText(el, name);
  if (v === undefined || !/^[+]?\d{1,16}$/.test(v)) return undefined;
  const n = Number(v);
  return n >= min && n <= max ? n : undefined;
}

export const upper = (v: string | undefined): string | undefined => v?.toUpperCase();

/**
 * Longitude and latitude as a pair, or nothing: devices without a position send
 * 0, 0.0 or empty, and a pair with one bad half is no position either.
 */
export function coordinates(el: XmlElement): { longitude: number; latitude: number } | undefined {
  const decimal = (v: string | undefined): number => (v !== undefined && /^[+-]?\d{1,3}(?:\.\d{1,15})?$/.test(v) ? Number(v) : NaN);
  const lon = decimal(childText(el, 'Longitude'));
  const lat = decimal(childText(el, 'Latitude'));
  const ok = (v: number, limit: number): boolean => Number.isFinite(v) && v !== 0 && Math.abs(v) <= limit;
  return ok(lon, 180) && ok(lat, 90) ? { longitude: lon, latitude: lat } : undefined;
}

/** Copies the defined values of `from` onto a new object, so optional fields stay absent, not undefined. */
export function compact<T extends object>(from: T): T {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(from)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out as T;
}
