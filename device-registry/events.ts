// Typed events from the registry to the rooms that react live (video ingest,
// MQTT auth, incidents). Emitted after the change is committed.
import { EventEmitter } from 'node:events';
import type { EntityName, StatusEntity } from './store/registry-store.ts';

export interface DeviceChanged {
  /** users: a person changed (role, scope, disabled) or their sessions ended; open streams re-check their caller. */
  entity: EntityName | 'api_keys' | 'users';
  action: 'create' | 'update' | 'delete' | 'revoke';
  id: string;
  /** Public (redacted) views; rooms that need secrets read them with RegistryService.getStored. */
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

export interface StatusChanged {
  entity: StatusEntity;
  id: string;
  state: 'unknown' | 'starting' | 'online' | 'offline' | 'idle';
  reason?: string;
}

interface RegistryEventMap {
  'device.changed': [DeviceChanged];
  'device.status': [StatusChanged];
}

/**
 * Every room follows the registry (video, sub-streams, detection, GB28181, sensors, recording, quality,
 * cluster fan-out…): a dozen listeners of one event is the design, not a leak. The limit stays finite so
 * that a listener added per request or per channel would still warn.
 */
const ROOM_LISTENERS = 32;

export class RegistryEvents extends EventEmitter<RegistryEventMap> {
  constructor() {
    super();
    this.setMaxListeners(ROOM_LISTENERS);
  }
}
