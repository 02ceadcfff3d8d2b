// Bounds on what a client can make the gateway keep or compute with: how deep
// and how large a free-form JSON value may be, and how far from now a time may
// lie. Each is an ajv keyword (registered by createAjv) written into the schema
// by a helper below, so one bound holds in the route validation, at the
// incident door and in the OpenAPI document.
import { Type, type NumberOptions, type StringOptions } from '@sinclair/typebox';
import type { Ajv } from 'ajv';

export interface JsonBounds {
  /** Levels of objects and arrays: {} is 1, {"a": []} is 2. */
  maxDepth?: number;
  /** Size as JSON text, in bytes (UTF-8). */
  maxBytes?: number;
}

export interface TimeWindow {
  /** How far back from now; without it, nothing before 1970-01-01. */
  pastMs?: number;
  /** How far ahead of now (clock skew). */
  futureMs: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Times in queries: anything from 1970 to a year ahead, and a real instant (no leap second, no year 275760). */
export const QUERY_TIME_WINDOW: TimeWindow = { futureMs: 366 * DAY };

/**
 * Which bound a JSON value breaks, if any. Walks with its own stack, never by
 * recursion: a value nested 100,000 levels deep is measured, not overflowed.
 */
export function jsonOverBounds(value: unknown, bounds: JsonBounds): 'depth' | 'bytes' | undefined {
  const maxDepth = bounds.maxDepth ?? Infinity;
  const maxBytes = bounds.maxBytes ?? Infinity;
  let bytes = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [v, depth] = next;
    if (v !== null && typeof v === 'object') {
      if (depth >= maxDepth) return 'depth';
      bytes += 2;
      if (Array.isArray(v)) {
        for (const item of v) stack.push([item, depth + 1]);
        bytes += v.length;
      } else {
        for (const [key, item] of Object.entries(v)) {
          bytes += Buffer.byteLength(key) + 4; // quotes, colon, comma
          stack.push([item, depth + 1]);
        }
      }
    } else {
      bytes += typeof v === 'string' ? Buffer.byteLength(v) + 2 : String(v).length;
    }
    if (bytes > maxBytes) return 'bytes';
  }
  return undefined;
}

const span = (ms: number): string =>
  ms % DAY === 0 ? `${ms / DAY} day${ms === DAY ? '' : 's'}` : ms % MINUTE === 0 ? `${ms / MINUTE} minute${ms === MINUTE ? '' : 's'}` : `${ms} ms`;

/** Why a time (epoch ms, or an ISO-8601 text) is refused, if it is. */
export function timeProblem(value: number | string, window: TimeWindow, now = Date.now()): string | undefined {
  const ms = typeof value === 'number' ? value : Date.parse(value);
  const range = `from ${window.pastMs === undefined ? '1970-01-01' : `${span(window.pastMs)} ago`} to ${span(window.futureMs)} ahead`;
  if (!Number.isFinite(ms)) return `is not a time the gateway can read; send one ${range}`;
  const earliest = window.pastMs === undefined ? 0 : now - window.pastMs;
  if (ms < earliest || ms > now + window.futureMs) return `must be a time ${range}${typeof value === 'number' ? ' (epoch ms)' : ''}`;
  return undefined;
}

type Validate = ((schema: never, data: unknown) => boolean) & { errors?: Array<{ keyword: string; message: string; params: object }> };

/** The two keywords, on every ajv the project makes (see createAjv). */
export function addBoundKeywords(ajv: Ajv): void {
  const jsonBounds: Validate = (bounds: JsonBounds, data: unknown) => {
    const over = jsonOverBounds(data, bounds);
    if (!over) return true;
    const message = over === 'depth' ? `is nested deeper than ${bounds.maxDepth} levels` : `is larger than ${bounds.maxBytes} bytes as JSON`;
    jsonBounds.errors = [{ keyword: 'x-json-bounds', message, params: { ...bounds } }];
    return false;
  };
  ajv.addKeyword({ keyword: 'x-json-bounds', schemaType: 'object', errors: true, validate: jsonBounds as never });

  const timeWindow: Validate = (window: TimeWindow, data: unknown) => {
    if (typeof data !== 'number' && typeof data !== 'string') return true; // the type keyword reports it
    const problem = timeProblem(data, window);
    if (!problem) return true;
    timeWindow.errors = [{ keyword: 'x-time-window', message: problem, params: { ...window } }];
    return false;
  };
  ajv.addKeyword({ keyword: 'x-time-window', schemaType: 'object', errors: true, validate: timeWindow as never });
}

/** Schema options bounding a free-form JSON value (spread into Type.Object/Type.Unknown options). */
export const jsonBounds = (bounds: JsonBounds) => ({ 'x-json-bounds': bounds });

/** A paging offset: bounded so every store can bind it as an integer (1e20 is a float to SQLite). */
export const PageOffset = Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0 });

/** Epoch milliseconds inside a window around now. */
export const EpochMs = (window: TimeWindow, options: NumberOptions = {}) =>
  Type.Number({ ...options, 'x-time-window': window, description: [options.description, `Epoch ms, ${describeWindow(window)}`].filter(Boolean).join('. ') });

/** An ISO-8601 date-time (query strings) inside a window around now. */
export const DateTime = (window: TimeWindow = QUERY_TIME_WINDOW, options: StringOptions = {}) =>
  Type.String({ ...options, format: 'date-time', 'x-time-window': window, description: [options.description, `ISO-8601, ${describeWindow(window)}`].filter(Boolean).join('. ') });

const describeWindow = (w: TimeWindow) => `${w.pastMs === undefined ? 'from 1970-01-01' : `at most ${span(w.pastMs)} old`}, at most ${span(w.futureMs)} ahead of now`;
