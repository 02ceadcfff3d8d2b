// The edit forms send only what changed, as a JSON merge patch (RFC 7396):
// a key left out stays, `null` removes it, an object is patched key by key.
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The merge patch that turns `before` into `after`. Arrays are replaced as a
 * whole (a merge patch cannot edit them). Secrets the form never had (write-only
 * passwords) are absent from `before` and so sent only when typed.
 */
export function mergePatchBetween(before: JsonObject, after: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const was = before[key];
    const now = after[key];
    if (same(was, now)) continue;
    if (now === undefined) patch[key] = null;
    else if (isObject(was) && isObject(now)) patch[key] = mergePatchBetween(was, now);
    else patch[key] = now;
  }
  return patch;
}

/** Drops keys whose value is undefined or an empty string, so a blank input sends nothing. */
export function compact(obj: Record<string, Json | undefined>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}
