// ONVIF rows in the registry's bulk import: a channel row of kind `onvif`
// gives a camera's address and credentials (JSON: host, port, username,
// password like POST /api/onvif/channels; CSV: onvif.host, onvif.port,
// source.username, source.password); each is read from its camera, a few at
// once, and becomes the RTSP channel with its ONVIF block, which the import
// then checks and writes with the other rows (all or nothing, as it was asked).
// A camera that refuses or does not answer fails its row, named by column.
import type { FieldError } from '../../../device-registry/index.ts';
import { say } from '../../../device-registry/messages.ts';
import { channelInput, type CameraAddress } from './channel-input.ts';
import { InspectFailure, inspectCamera, type ClientFactory } from './inspect.ts';

type Doc = Record<string, unknown>;

/** Runs `work` over items with at most `limit` at once, answers in order. */
export async function mapLimit<T, R>(items: T[], limit: number, work: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** The camera a row names, or the problems with how it names it. */
export function cameraOfRow(input: Doc): { camera?: CameraAddress; names: { host: string; password: string }; errors: FieldError[] } {
  const onvif = (input.onvif ?? {}) as Doc;
  const source = (input.source ?? {}) as Doc;
  const names = { host: 'host' in input ? 'host' : 'onvif.host', password: 'password' in input ? 'password' : 'source.password' };
  const portField = 'port' in input ? 'port' : 'onvif.port';
  const host = text(input.host) ?? text(onvif.host);
  const port = input.port ?? onvif.port;
  const username = text(input.username) ?? text(source.username) ?? '';
  const password = typeof input.password === 'string' ? input.password : typeof source.password === 'string' ? source.password : '';
  const errors: FieldError[] = [];
  if (!host) errors.push({ field: names.host, ...say('required') });
  else if (!/^[A-Za-z0-9.:[\]_-]{1,253}$/.test(host)) errors.push({ field: names.host, ...say('invalid') });
  if (port !== undefined && !(Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535)) errors.push({ field: portField, ...say('invalid') });
  if (errors.length) return { names, errors };
  return { camera: { host: host!, port: port as number | undefined, username, password }, names, errors };
}

export interface OnvifRowDeps {
  client: ClientFactory;
  timeoutMs: number;
  concurrency: number;
}

/** The registry's import resolver (RegistryService.addImportResolver) for ONVIF rows. */
export function onvifRowResolver(deps: OnvifRowDeps) {
  return async (inputs: Array<Doc | undefined>): Promise<Array<{ input?: Doc; errors?: FieldError[] } | undefined>> =>
    mapLimit(inputs, deps.concurrency, async (input) => {
      if (!input || input.kind !== 'onvif') return undefined;
      const { camera, names, errors } = cameraOfRow(input);
      if (!camera) return { errors };
      try {
        const found = await inspectCamera(camera, deps, names);
        const events = (input.onvif as Doc | undefined)?.events;
        return { input: channelInput(found.xaddr, camera, found.facts, found.streams, input, events) };
      } catch (err) {
        if (err instanceof InspectFailure) return { errors: [err.problem] };
        throw err;
      }
    });
}
