// Department: a target of dispatch (城管, 水务, 燃气…).
import { Type, type Static } from '@sinclair/typebox';
import { Id, Meta, Name } from './common.ts';

const Contact = Type.Object(
  {
    person: Type.Optional(Type.String({ maxLength: 64 })),
    phone: Type.Optional(Type.String({ pattern: '^[0-9+() -]{3,32}$', 'x-message': 'must be a phone number' })),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
  },
  { additionalProperties: false },
);

export const DepartmentInput = Type.Object(
  { id: Type.Optional(Id), name: Name, contact: Type.Optional(Contact) },
  { additionalProperties: false },
);
export type DepartmentInput = Static<typeof DepartmentInput>;

export const DepartmentPatch = Type.Object(
  { name: Type.Optional(Name), contact: Type.Optional(Type.Union([Contact, Type.Null()])) },
  { additionalProperties: false, minProperties: 1 },
);

export const Department = Type.Object({ id: Id, name: Name, contact: Type.Optional(Contact), ...Meta });
export type Department = Static<typeof Department>;
