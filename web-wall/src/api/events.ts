// One EventSource per tab for /api/events (incident changes with ids, live
// detections and device status without), fanned out to the views by type. EventSource resumes
// with Last-Event-ID on its own; a `reset` means the gap is too old to replay.
// Its URL carries a short-lived URL token: when a reconnect is refused (the
// token expired meanwhile, or the gateway restarted), a new token is fetched
// and the stream reopened from the last id seen.
import { renewUrlToken, stopUrlTokens } from './url-token.ts';
import type { DetectionEvent, Incident } from './types.ts';

export interface GatewayEvents {
  'incident.created': Incident;
  'incident.updated': Incident;
  'incident.transition': Incident;
  'incident.escalated': Incident;
  detection: DetectionEvent;
  /** A camera or sensor changed state (online, offline, idle, starting; a sensor also disabled), with its coded reason. */
  'device.status': { entity: 'channel' | 'sensor'; id: string; state: string; reason?: string; reasonCode?: string; reasonParams?: Record<string, string | number>; at?: string };
  reset: { reason: string };
  /** Not from the server: the stream (re)connected or dropped. */
  connection: { open: boolean };
}
type Name = keyof GatewayEvents;
type Handler<K extends Name> = (data: GatewayEvents[K]) => void;

const SERVER_EVENTS: Name[] = ['incident.created', 'incident.updated', 'incident.transition', 'incident.escalated', 'detection', 'device.status', 'reset'];
const handlers = new Map<Name, Set<Handler<never>>>();
let source: EventSource | null = null;

export function on<K extends Name>(name: K, handler: Handler<K>): () => void {
  let set = handlers.get(name);
  if (!set) handlers.set(name, (set = new Set()));
  set.add(handler as Handler<never>);
  return () => set.delete(handler as Handler<never>);
}

function emit<K extends Name>(name: K, data: GatewayEvents[K]): void {
  for (const h of handlers.get(name) ?? []) (h as Handler<K>)(data);
}

const REOPEN_MS = 2000;
let lastId: string | null = null;
let reopen: ReturnType<typeof setTimeout> | undefined;
// Bumped by every connect and disconnect, so an open() that was waiting for its token does not outlive them.
let generation = 0;

export function connectEvents(): void {
  disconnectEvents();
  void open(generation);
}

async function open(gen: number): Promise<void> {
  let token: string;
  try {
    token = await renewUrlToken();
  } catch {
    // The gateway is away (a 401 logs out instead): try again shortly.
    if (gen !== generation) return;
    emit('connection', { open: false });
    reopen = setTimeout(() => void open(gen), REOPEN_MS);
    return;
  }
  if (gen !== generation) return;
  const resume = lastId === null ? '' : `&lastEventId=${encodeURIComponent(lastId)}`;
  const es = new EventSource(`/api/events?access_token=${encodeURIComponent(token)}${resume}`);
  es.onopen = () => emit('connection', { open: true });
  es.onerror = () => {
    emit('connection', { open: es.readyState === EventSource.OPEN });
    // CLOSED: EventSource gave up (the reconnect was refused); CONNECTING: it retries by itself.
    if (es.readyState === EventSource.CLOSED && source === es) {
      source = null;
      reopen = setTimeout(() => void open(gen), REOPEN_MS);
    }
  };
  for (const name of SERVER_EVENTS) {
    es.addEventListener(name, (e) => {
      const message = e as MessageEvent<string>;
      if (message.lastEventId) lastId = message.lastEventId;
      emit(name, JSON.parse(message.data) as never);
    });
  }
  source = es;
}

function disconnectEvents(): void {
  generation++;
  clearTimeout(reopen);
  source?.close();
  source = null;
}

/** At logout: no stream, no token, and the next login starts from the live edge. */
export function endEvents(): void {
  disconnectEvents();
  stopUrlTokens();
  lastId = null;
}
