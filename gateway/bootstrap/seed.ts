// Creates the entities a config file lists under `seed:` (the demo's grid
// cells, departments, cameras and sensors) when they do not exist yet, so an
// engineer's later edits are never overwritten on restart.
import type { Logger } from 'pino';
import { GwError, type RegistryService } from '../../device-registry/index.ts';
import type { GatewayConfig } from '../config/schema.ts';

const ORDER = ['departments', 'grids', 'gbDevices', 'channels', 'sensors'] as const;

export async function applySeed(service: RegistryService, seed: GatewayConfig['seed'], log: Logger): Promise<string[]> {
  if (!seed) return [];
  const problems: string[] = [];
  const actor = { keyId: null, name: 'seed', role: null };
  let created = 0;
  for (const entity of ORDER) {
    const idField = service.descriptor(entity).idField;
    for (const [i, item] of (seed[entity] ?? []).entries()) {
      const id = (item as Record<string, unknown>)[idField];
      if (typeof id !== 'string') {
        problems.push(`seed.${entity}.${i}.${idField}: is required in a seed`);
        continue;
      }
      if (await service.getStored(entity, id)) continue;
      try {
        await service.create(entity, item, actor);
        created++;
      } catch (err) {
        if (!(err instanceof GwError)) throw err;
        const fields = (err.details?.errors ?? [{ field: err.field ?? '', message: err.message }]) as { field: string; message: string }[];
        problems.push(...fields.map((f) => `seed.${entity}.${i}.${f.field}: ${f.message}`));
      }
    }
  }
  log.info({ created }, 'seed applied');
  return problems;
}
