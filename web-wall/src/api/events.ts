// One EventSource per tab for /api/events (incident changes with ids, live
// detections without), fanned out to the views by type. EventSource resumes
// with Last-Event-ID on its own; a `reset` means the gap is too old to replay.
import { keyParam } from './client.ts';
import type { DetectionEvent, Incident } from './types.ts';

export interface GatewayEvents {
  'incident.created': Incident;
  'incident.updated': Incident;
  'incident.transition': Incident;
  'incident.escalated': Incident;
  detection: DetectionEvent;
  reset: { reason: string };
  /** Not from the server: the stream (re)connected or dropped. */
  connection: { open: boolean };
}
type Name = keyof GatewayEvents;
type Handler<K extends Name> = (data: GatewayEvents[K]) => void;

const SERVER_EVENTS: Name[] = ['incident.created', 'incident.updated', 'incident.transition', 'incident.escalated', 'detection', 'reset'];
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

export function connectEvents(): void {
  disconnectEvents();
  const es = new EventSource(`/api/events?${keyParam()}`);
  es.onopen = () => emit('connection', { open: true });
  es.onerror = () => emit('connection', { open: es.readyState === EventSource.OPEN });
  for (const name of SERVER_EVENTS) {
    es.addEventListener(name, (e) => emit(name, JSON.parse((e as MessageEvent<string>).data) as never));
  }
  source = es;
}

export function disconnectEvents(): void {
  source?.close();
  source = null;
}
