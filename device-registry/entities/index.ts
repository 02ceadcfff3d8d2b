import type { EntityName } from '../store/registry-store.ts';
import { channels } from './channels.ts';
import { departments } from './departments.ts';
import { gbDevices } from './gb-devices.ts';
import type { EntityDescriptor } from './descriptor.ts';
import { grids } from './grids.ts';
import { sensors } from './sensors.ts';

export const DESCRIPTORS: Record<EntityName, EntityDescriptor> = { channels, sensors, grids, departments, gbDevices };
export type { EntityDescriptor } from './descriptor.ts';
