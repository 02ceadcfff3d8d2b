// Department entity: a dispatch target with a contact.
import { Department, DepartmentInput, DepartmentPatch } from '../schemas/department.ts';
import { compact, meta, type EntityDescriptor } from './descriptor.ts';

export const departments: EntityDescriptor = {
  entity: 'departments',
  label: 'department',
  idField: 'id',
  idPrefix: 'dept',
  inputSchema: DepartmentInput,
  patchSchema: DepartmentPatch,
  publicSchema: Department,

  prepare: (input, id) => ({
    doc: compact({ id, name: input.name, contact: input.contact ?? undefined }),
    secret: null,
    columns: { name: String(input.name) },
    errors: [],
  }),

  toInput: (row) => ({ ...row.doc }),

  toPublic: (row) => ({ ...row.doc, ...meta(row) }),
  references: () => [],
};
