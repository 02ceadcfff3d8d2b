// Sensor entity: the MQTT password is hashed on the way in and kept when a
// change does not send a new one.
import { Sensor, SensorInput, SensorPatch } from '../schemas/sensor.ts';
import { hashPassword } from '../secrets.ts';
import { compact, meta, publicStatus, type EntityDescriptor, type Prepared } from './descriptor.ts';
import { say } from '../messages.ts';

type Mqtt = { clientId: string; username: string; password?: string };

export const defaultSensorTopic = (id: string) => `sensors/${id}/telemetry`;

export const sensors: EntityDescriptor = {
  entity: 'sensors',
  label: 'sensor',
  idField: 'id',
  idPrefix: 'sensor',
  inputSchema: SensorInput,
  patchSchema: SensorPatch,
  publicSchema: Sensor,
  altKeyField: 'mqtt.clientId',

  prepare(input, id, existing): Prepared {
    const mqtt = input.mqtt as Mqtt;
    const oldHash = existing?.secret?.passwordHash as string | undefined;
    const passwordHash = mqtt.password !== undefined ? hashPassword(mqtt.password) : oldHash;
    const doc = compact({
      id,
      name: input.name,
      kind: input.kind,
      mqtt: { clientId: mqtt.clientId, username: mqtt.username },
      topic: input.topic ?? defaultSensorTopic(id),
      unit: input.unit,
      location: input.location,
      gridCode: input.gridCode,
      tags: input.tags ?? [],
      enabled: input.enabled ?? true,
      rules: input.rules ?? {},
    });
    return {
      doc,
      secret: passwordHash ? { passwordHash } : null,
      columns: { name: String(input.name), kind: String(input.kind), gridCode: (input.gridCode as string) ?? null, enabled: doc.enabled as boolean, altKey: `mqtt:${mqtt.clientId}` },
      errors: passwordHash ? [] : [{ field: 'mqtt.password', ...say('required') }],
    };
  },

  toInput: (row) => ({ ...row.doc }),

  toPublic(row) {
    const mqtt = { ...(row.doc.mqtt as object), passwordSet: Boolean(row.secret?.passwordHash) };
    return { ...row.doc, mqtt, status: publicStatus(row), ...meta(row) };
  },

  references: (doc) => (typeof doc.gridCode === 'string' ? [{ field: 'gridCode', entity: 'grids', id: doc.gridCode }] : []),
};
