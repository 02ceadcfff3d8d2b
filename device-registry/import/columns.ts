// The flat columns of a CSV import/export, named by the entity's dotted field
// paths so that an error ("row 17: source.url: …") names the column at fault.
import type { EntityName } from '../store/registry-store.ts';

export type ColumnType = 'string' | 'number' | 'boolean' | 'list' | 'json';
export interface Column {
  path: string;
  type: ColumnType;
  /** Write-only: accepted on import, always blank on export. */
  secret?: boolean;
}

const common: Column[] = [
  { path: 'location.lat', type: 'number' },
  { path: 'location.lng', type: 'number' },
  { path: 'gridCode', type: 'string' },
  { path: 'tags', type: 'list' },
  { path: 'enabled', type: 'boolean' },
];

export const IMPORTABLE = ['channels', 'sensors'] as const satisfies readonly EntityName[];
export type ImportableEntity = (typeof IMPORTABLE)[number];

export const COLUMNS: Record<ImportableEntity, Column[]> = {
  channels: [
    { path: 'id', type: 'string' },
    { path: 'name', type: 'string' },
    { path: 'kind', type: 'string' },
    { path: 'source.url', type: 'string' },
    { path: 'source.username', type: 'string' },
    { path: 'source.password', type: 'string', secret: true },
    { path: 'source.pushKey', type: 'string', secret: true },
    { path: 'source.deviceId', type: 'string' },
    { path: 'source.channelId', type: 'string' },
    ...common,
    { path: 'mode', type: 'string' },
    { path: 'detectionProfile', type: 'string' },
    // The sub-stream (子码流) of an RTSP camera; without credentials of its own it uses the main source's.
    { path: 'subSource.url', type: 'string' },
    { path: 'subSource.username', type: 'string' },
    { path: 'subSource.password', type: 'string', secret: true },
    // The recording policy (off, events, continuous); blank: the configuration's default.
    { path: 'recording.mode', type: 'string' },
    { path: 'recording.retentionDays', type: 'number' },
    // An ONVIF camera: a row of kind onvif gives its address (and source.username/password); the gateway reads
    // its profiles and makes it an RTSP channel. Exported channels carry their ONVIF block (facts) as JSON.
    { path: 'onvif.host', type: 'string' },
    { path: 'onvif.port', type: 'number' },
    { path: 'onvif', type: 'json' },
  ],
  sensors: [
    { path: 'id', type: 'string' },
    { path: 'name', type: 'string' },
    { path: 'kind', type: 'string' },
    { path: 'mqtt.clientId', type: 'string' },
    { path: 'mqtt.username', type: 'string' },
    { path: 'mqtt.password', type: 'string', secret: true },
    { path: 'topic', type: 'string' },
    { path: 'unit', type: 'string' },
    ...common,
    { path: 'rules', type: 'json' },
  ],
};

const TRUE = new Set(['true', '1', 'yes', 'y', '是']);
const FALSE = new Set(['false', '0', 'no', 'n', '否']);

/** Converts a cell; a value that does not convert is kept as text so validation names it. */
export function convertCell(text: string, type: ColumnType): unknown {
  switch (type) {
    case 'number':
      return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : text;
    case 'boolean': {
      const t = text.toLowerCase();
      return TRUE.has(t) ? true : FALSE.has(t) ? false : text;
    }
    case 'list':
      // ';' as the template writes them; commas too (full-width ones from a Chinese keyboard), as the console's form takes them.
      return text.split(/[;；,，]/).map((s) => s.trim()).filter(Boolean);
    case 'json':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text; // reported by the schema as the wrong type for this field
      }
    default:
      return text;
  }
}

export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node = (node[part] ??= {}) as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

export function getPath(source: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], source);
}
