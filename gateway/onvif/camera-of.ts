// An ONVIF channel as the PTZ and events rooms need it: where the camera's
// device service is, with which credentials (the channel source's), the main
// profile's token, what the camera can do and which event types raise
// incidents. Read from the registry row (device-registry/schemas/onvif.ts).
import type { StoredRow } from '../../device-registry/index.ts';
import type { OnvifBlock } from '../../device-registry/schemas/onvif.ts';
import { ONVIF_EVENT_TYPES, type OnvifEventType } from './events/topics.ts';
import type { OnvifTarget } from './index.ts';

export interface OnvifCamera {
  channelId: string;
  enabled: boolean;
  target: OnvifTarget;
  mainProfile: string;
  ptz: boolean;
  /** The camera said it has an event service. */
  events: boolean;
  /** Subscribe at all (the channel's switch; default on). */
  subscribe: boolean;
  /** The event types that raise incidents. */
  types: ReadonlySet<OnvifEventType>;
}

export function onvifCameraOf(row: StoredRow, defaultTypes: readonly OnvifEventType[]): OnvifCamera | undefined {
  const block = row.doc.onvif as OnvifBlock | undefined;
  if (!block?.xaddr || !block.profiles?.main) return undefined;
  const source = (row.doc.source ?? {}) as { username?: string };
  const facts = block.facts;
  const mainFacts = facts?.profiles.find((p) => p.token === block.profiles.main);
  const chosen = block.events?.types ?? defaultTypes;
  return {
    channelId: row.id,
    enabled: row.doc.enabled !== false,
    target: { xaddr: block.xaddr, username: source.username ?? '', password: (row.secret?.password as string | undefined) ?? '' },
    mainProfile: block.profiles.main,
    // The profile must carry a PTZ configuration too: ContinuousMove names it by the profile token.
    ptz: Boolean(facts?.capabilities.ptz && (mainFacts?.ptz ?? true)),
    events: Boolean(facts?.capabilities.events),
    subscribe: block.events?.enabled !== false,
    types: new Set(chosen.filter((t): t is OnvifEventType => (ONVIF_EVENT_TYPES as readonly string[]).includes(t))),
  };
}
