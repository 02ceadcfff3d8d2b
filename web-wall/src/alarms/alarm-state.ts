// Which cameras are in alarm: a new incident from a camera makes it active
// (its tile flashes and draws boxes) until it is acknowledged or nothing has
// been seen for a while. A camera not on the wall is brought into the alarm tile.
import { signal } from '@preact/signals';
import { on } from '../api/events.ts';
import type { Incident } from '../api/types.ts';
import { onNewIncident } from '../store/incidents.ts';
import { channelById, channels, refreshLists } from '../store/registry.ts';
import { alarmTileIndex, putCamera, visibleCameras } from '../wall/wall-state.ts';
import { addDetections } from './detections.ts';

export interface ActiveAlarm { incidentId: string; channelId: string; lastActivity: number; raisedAt: number; arrivedAt: number }

/** How long an unacknowledged camera alarm stays active after the last detection. */
export const ALARM_HOLD_MS = 30_000;
export const activeAlarms = signal<Map<string, ActiveAlarm>>(new Map());
/** Incident ids that arrived in this tab and are still unacknowledged (for the sound). */
export const unacknowledged = signal<Set<string>>(new Set());

/** Sources whose incidents are about what a camera sees (not, e.g., a camera going offline). */
const CAMERA_SOURCES = new Set(['detector', 'gb28181']);

export function cameraOf(incident: Incident): string | null {
  const { kind, id } = incident.source;
  if (!CAMERA_SOURCES.has(kind)) return null;
  if (channelById.value.has(id)) return id;
  const gb = channels.value.find((c) => c.source.channelId === id); // GB28181 alarms name the device's channel code
  if (gb) return gb.id;
  return kind === 'detector' ? id : null; // a camera added since the list was loaded
}

/** The incident's own boxes, at the frame they were detected on. */
function addEvidence(incident: Incident, channelId: string): void {
  const ev = incident.evidence;
  if (!ev?.detections?.length || !ev.frameSize) return;
  addDetections(channelId, { frameTs: ev.frameTs ?? Date.parse(incident.lastSeen), frameSize: ev.frameSize, detections: ev.detections });
}

function activate(incident: Incident, channelId: string): void {
  const next = new Map(activeAlarms.value);
  const now = Date.now();
  const same = next.get(channelId)?.incidentId === incident.id ? next.get(channelId) : undefined;
  next.set(channelId, { incidentId: incident.id, channelId, lastActivity: now, raisedAt: Date.parse(incident.createdAt), arrivedAt: same?.arrivedAt ?? now });
  activeAlarms.value = next;
}

function end(channelId: string): void {
  if (!activeAlarms.value.has(channelId)) return;
  const next = new Map(activeAlarms.value);
  next.delete(channelId);
  activeAlarms.value = next;
}

function acknowledged(incident: Incident): void {
  if (incident.status === 'reported') return;
  if (unacknowledged.value.has(incident.id)) {
    const rest = new Set(unacknowledged.value);
    rest.delete(incident.id);
    unacknowledged.value = rest;
  }
  for (const a of activeAlarms.value.values()) if (a.incidentId === incident.id) end(a.channelId);
}

export function startAlarms(): () => void {
  const offs = [
    onNewIncident((incident) => {
      if (incident.status !== 'reported') return;
      unacknowledged.value = new Set(unacknowledged.value).add(incident.id);
      const channelId = cameraOf(incident);
      if (!channelId) return;
      if (!channelById.value.has(channelId)) void refreshLists();
      addEvidence(incident, channelId);
      if (!visibleCameras().includes(channelId)) putCamera(alarmTileIndex(), channelId);
      activate(incident, channelId);
    }),
    // A repeat of an unacknowledged camera incident (deduplicated into it) alarms its tile again.
    on('incident.updated', (incident) => {
      const channelId = cameraOf(incident);
      if (channelId && incident.status === 'reported' && incident.clearedAt === null) {
        addEvidence(incident, channelId);
        activate(incident, channelId);
      }
    }),
    on('incident.transition', acknowledged),
    on('detection', (e) => {
      const a = activeAlarms.value.get(e.channelId);
      if (a && e.detections.length) a.lastActivity = Date.now(); // no re-render: only the expiry reads it
    }),
  ];
  const expiry = window.setInterval(() => {
    for (const a of activeAlarms.value.values()) if (Date.now() - a.lastActivity > ALARM_HOLD_MS) end(a.channelId);
  }, 1000);
  return () => {
    for (const off of offs) off();
    clearInterval(expiry);
  };
}
