// The evidence store contract: immutable objects (snapshots with boxes drawn
// today, recording segments next) under keys such as
// `snapshots/20250101/<uuid>.jpg`. A key is written once and never changes,
// so a write may be repeated safely (the first one wins) and any node may
// cache what it reads.
import { GwError } from '../../device-registry/index.ts';

export interface EvidenceObject {
  bytes: Buffer;
  contentType: string;
  /** Epoch ms when it was stored. */
  createdAt: number;
}

export interface EvidenceStore {
  /** Where the objects are, for logs and messages (no credentials). */
  readonly where: string;
  /** Stores bytes under key; resolves once they are durable. A key already stored keeps its first bytes. */
  put(key: string, bytes: Buffer, contentType: string): Promise<void>;
  /** The object, or undefined when there is none. Unreachable storage: GW_ERR_UNAVAILABLE. */
  get(key: string): Promise<EvidenceObject | undefined>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

// Lower-case folder, then path segments of safe characters: nothing that climbs
// out of a directory (no `..`, no leading dot) and nothing a URL must escape.
const KEY = /^[a-z][a-z0-9-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}){1,6}$/;

/** Refuses a key that is not a plain relative path; every store calls it first. */
export function checkKey(key: string): string {
  if (!KEY.test(key) || key.split('/').includes('..')) throw new GwError('GW_ERR_VALIDATION', `not an evidence key: ${JSON.stringify(key.slice(0, 200))}`, 'key');
  return key;
}
