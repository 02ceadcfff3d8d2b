// Typed events from the registry to the rooms that react live (video ingest,
// MQTT auth, incidents). Emitted after the change is committed.
import { EventEmitter } from 'node:events';
import type { EntityName, StatusEntity } from './store/registry-store.ts';

export interface DeviceChanged {
  entity: EntityName | 'api_keys';
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

export class RegistryEvents extends EventEmitter<RegistryEventMap> {}
