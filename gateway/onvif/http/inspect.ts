// Reads a camera for a person adding it: its facts and the profiles that would
// feed the channel, or a 4xx naming the field at fault (a refused password
// names `password`, nothing answering names `host`). Messages name host:port,
// never the credentials.
import { coded, redactUrl, type FieldError } from '../../../device-registry/index.ts';
import { say } from '../../../device-registry/messages.ts';
import { deviceServiceUrl, OnvifError, type OnvifClient, type OnvifFacts, type OnvifTarget } from '../index.ts';
import { chooseStreams, type CameraAddress, type ChosenStreams } from './channel-input.ts';

export type ClientFactory = (target: OnvifTarget, opts: { timeoutMs: number }) => OnvifClient;

/** Field names as the caller spells them (a route body: host, password; an import row: onvif.host, source.password). */
export interface FieldNames {
  host: string;
  password: string;
}

export const ROUTE_FIELDS: FieldNames = { host: 'host', password: 'password' };

/** A clock this far off is reported beside the facts (the client corrects for it when signing). */
const SKEW_REPORTED_MS = 5000;

export interface Inspected {
  xaddr: string;
  facts: OnvifFacts;
  streams: ChosenStreams;
  warnings: Array<{ code: string; message: string; params?: Record<string, string | number> }>;
}

const hostPort = (camera: CameraAddress) => `${camera.host}${camera.port ? `:${camera.port}` : ''}`;

/** An OnvifError as the field problem a person can act on. */
export function fieldErrorOf(err: unknown, camera: CameraAddress, timeoutMs: number, names: FieldNames): FieldError {
  const host = hostPort(camera);
  if (!(err instanceof OnvifError)) return { field: names.host, ...say('onvif_bad_answer', { host, reason: 'unexpected failure' }) };
  switch (err.kind) {
    case 'auth':
      return { field: names.password, ...say('onvif_auth_refused', { host }) };
    case 'unreachable':
      return { field: names.host, ...say('onvif_unreachable', { host }) };
    case 'timeout':
      return { field: names.host, ...say('onvif_timeout', { host, seconds: Math.round(timeoutMs / 100) / 10 }) };
    default: {
      const reason = (err.fault?.reason ?? err.fault?.subcode ?? err.message).slice(0, 200);
      return { field: names.host, ...say('onvif_bad_answer', { host, reason: redactUrl(reason).replaceAll(camera.password || '\u0000', '[REDACTED]') }) };
    }
  }
}

const CODE_OF: Record<OnvifError['kind'], 'GW_ERR_DEVICE_CREDENTIALS' | 'GW_ERR_DEVICE_UNREACHABLE' | 'GW_ERR_DEVICE_REFUSED'> = {
  auth: 'GW_ERR_DEVICE_CREDENTIALS',
  unreachable: 'GW_ERR_DEVICE_UNREACHABLE',
  timeout: 'GW_ERR_DEVICE_UNREACHABLE',
  fault: 'GW_ERR_DEVICE_REFUSED',
  malformed: 'GW_ERR_DEVICE_REFUSED',
  unsupported: 'GW_ERR_DEVICE_REFUSED',
};

/** Inspection that failed, with the field at fault: a thrown GwError for a route, a FieldError for an import row. */
export class InspectFailure extends Error {
  constructor(readonly problem: FieldError, readonly kind: OnvifError['kind'] | 'no_stream') {
    super(problem.message);
  }

  toGwError() {
    const code = this.kind === 'no_stream' ? 'GW_ERR_DEVICE_REFUSED' : CODE_OF[this.kind];
    return coded(code, { code: this.problem.code ?? 'onvif_bad_answer', params: this.problem.params, message: this.problem.message }, this.problem.field);
  }
}

export async function inspectCamera(
  camera: CameraAddress, deps: { client: ClientFactory; timeoutMs: number }, names: FieldNames = ROUTE_FIELDS, keep?: { main?: string; sub?: string },
  xaddr = deviceServiceUrl(camera.host, camera.port),
): Promise<Inspected> {
  let facts: OnvifFacts;
  try {
    facts = await deps.client({ xaddr, username: camera.username, password: camera.password }, { timeoutMs: deps.timeoutMs }).facts();
  } catch (err) {
    throw new InspectFailure(fieldErrorOf(err, camera, deps.timeoutMs, names), err instanceof OnvifError ? err.kind : 'malformed');
  }
  const streams = chooseStreams(facts, keep);
  if (!streams) throw new InspectFailure({ field: names.host, ...say('onvif_no_stream', { host: hostPort(camera) }) }, 'no_stream');
  const warnings: Inspected['warnings'] = [];
  if (Math.abs(facts.clockSkewMs) >= SKEW_REPORTED_MS) warnings.push(say('onvif_clock_skew', { seconds: Math.round(facts.clockSkewMs / 1000) }));
  return { xaddr, facts, streams, warnings };
}
