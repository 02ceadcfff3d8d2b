// Registry edits of GB28181 devices take effect on the running SIP server at
// once. Disabling or deleting a device drops its registration, which ends
// its live sessions (BYE) and pending queries, and its next REGISTER and
// MESSAGEs are refused. A new media transport or charset applies to the next
// INVITE and query. A new password applies to the next REGISTER: passwords
// are read from the registry for each one, nothing is cached. Edits made on
// another node arrive as the same event (the cluster's registry fan-out).
import type { DeviceChanged, RegistryService } from '../../device-registry/index.ts';
import { deviceSettings, type DeviceSessions } from './devices.ts';
import type { DeviceStatusBook } from './device-status.ts';
import type { RegisterHandler } from './register.ts';

export class DeviceEdits {
  constructor(
    private readonly registry: RegistryService,
    private readonly sessions: DeviceSessions,
    private readonly register: RegisterHandler,
    private readonly status: DeviceStatusBook,
  ) {}

  start(): void {
    this.registry.events.on('device.changed', this.onChange);
  }

  stop(): void {
    this.registry.events.off('device.changed', this.onChange);
  }

  // Synchronous on purpose: the public view carries every field used here, and
  // a REGISTER being checked meanwhile sees the edit (noteEdited) before it registers.
  private readonly onChange = (e: DeviceChanged): void => {
    if (e.entity !== 'gbDevices') return;
    this.register.noteEdited(e.id);
    if (e.action === 'create') {
      this.status.created(e.id);
      return;
    }
    if (e.action === 'delete' || !e.after) {
      this.sessions.unregister(e.id, 'deleted');
      this.status.deleted(e.id);
      return;
    }
    if (e.after.enabled === false) {
      this.sessions.unregister(e.id, 'disabled');
      this.status.offline(e.id, 'disabled');
      return;
    }
    if (this.sessions.configure(e.id, deviceSettings(e.after))) return;
    // Enabled again: no longer "disabled", not registered until it registers.
    if (e.before?.enabled === false) this.status.offline(e.id, 'not registered');
  };
}
