// Grid cell entity: the code is the id; a cell sits strictly below its parent
// (district > street > community > grid) and the tree never loops.
import { checkPolygon } from '../geojson.ts';
import type { FieldError } from '../errors.ts';
import { GRID_LEVELS, Grid, GridInput, GridPatch, type GridLevel, type GridPolygon } from '../schemas/grid.ts';
import { compact, meta, type EntityDescriptor, type Lookup } from './descriptor.ts';
import { say } from '../messages.ts';

const MAX_DEPTH = 32;

export const grids: EntityDescriptor = {
  entity: 'grids',
  label: 'grid cell',
  idField: 'code',
  idPrefix: 'grid',
  inputSchema: GridInput,
  patchSchema: GridPatch,
  publicSchema: Grid,

  prepare(input, code) {
    const doc = compact({
      code,
      name: input.name,
      level: input.level,
      parentCode: input.parentCode ?? null,
      polygon: input.polygon ?? undefined,
      departmentId: input.departmentId ?? null,
      people: input.people ?? [],
    });
    return {
      doc,
      secret: null,
      columns: { name: String(input.name), kind: String(input.level), parentCode: (input.parentCode as string) ?? null, departmentId: (input.departmentId as string) ?? null },
      errors: input.polygon ? checkPolygon(input.polygon as GridPolygon, 'polygon') : [],
    };
  },

  toInput: (row) => ({ ...row.doc }),

  toPublic: (row) => ({ ...row.doc, ...meta(row) }),

  references(doc) {
    const refs = [];
    if (typeof doc.parentCode === 'string') refs.push({ field: 'parentCode', entity: 'grids' as const, id: doc.parentCode });
    if (typeof doc.departmentId === 'string') refs.push({ field: 'departmentId', entity: 'departments' as const, id: doc.departmentId });
    return refs;
  },

  async crossCheck(doc, code, lookup: Lookup): Promise<FieldError[]> {
    if (!doc.parentCode) return [];
    const parent = await lookup('grids', String(doc.parentCode));
    if (!parent) return []; // reported as a missing reference
    const depth = (level: unknown) => GRID_LEVELS.indexOf(level as GridLevel);
    if (depth(parent.doc.level) >= depth(doc.level)) {
      return [{ field: 'level', ...say('grid_level_order', { level: String(doc.level), parentLevel: String(parent.doc.level), parent: String(doc.parentCode) }) }];
    }
    // Walk up from the parent: reaching this cell again would make a loop.
    let cursor: typeof parent | undefined = parent;
    for (let i = 0; cursor && i < MAX_DEPTH; i++) {
      if (cursor.id === code) return [{ field: 'parentCode', ...say('grid_loop') }];
      const up = cursor.doc.parentCode as string | null;
      cursor = up ? await lookup('grids', up) : undefined;
    }
    return [];
  },
};
