import type { EntityName } from '../store/registry-store.ts';
import { channels } from './channels.ts';
import { departments } from './departments.ts';
import type { EntityDescriptor } from './descriptor.ts';
import { grids } from './grids.ts';
import { sensors } from './sensors.ts';

export const DESCRIPTORS: Record<EntityName, EntityDescriptor> = { channels, sensors, grids, departments };
export type { EntityDescriptor } from './descriptor.ts';
