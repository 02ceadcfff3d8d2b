// Grid cell (网格): the unit of responsibility. Cells nest district > street >
// community > grid; each may carry a GeoJSON outline used to place incidents.
import { Type, type Static } from '@sinclair/typebox';
import { Discriminated, GridCode, Id, Meta, Name } from './common.ts';

export const GRID_LEVELS = ['district', 'street', 'community', 'grid'] as const;
export const GridLevel = Type.Union(GRID_LEVELS.map((l) => Type.Literal(l)));
export type GridLevel = (typeof GRID_LEVELS)[number];

// [lng, lat] or [lng, lat, alt]; ranges and ring closure are checked in geojson.ts.
const Position = Type.Array(Type.Number(), { minItems: 2, maxItems: 3 });
const Ring = Type.Array(Position, { minItems: 4, maxItems: 10000 });
const PolygonCoords = Type.Array(Ring, { minItems: 1, maxItems: 100 });

export const GridPolygon = Discriminated(
  'type',
  [
    Type.Object({ type: Type.Literal('Polygon'), coordinates: PolygonCoords }, { additionalProperties: false }),
    Type.Object(
      { type: Type.Literal('MultiPolygon'), coordinates: Type.Array(PolygonCoords, { minItems: 1, maxItems: 100 }) },
      { additionalProperties: false },
    ),
  ],
  { description: 'GeoJSON Polygon or MultiPolygon, [lng, lat] positions (WGS-84)' },
);
export type GridPolygon = Static<typeof GridPolygon>;

const Person = Type.Object(
  {
    name: Name,
    phone: Type.Optional(Type.String({ pattern: '^[0-9+() -]{3,32}$', 'x-message': 'must be a phone number' })),
    role: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

const gridFields = {
  name: Name,
  level: GridLevel,
  parentCode: Type.Optional(Type.Union([GridCode, Type.Null()])),
  polygon: Type.Optional(GridPolygon),
  departmentId: Type.Optional(Type.Union([Id, Type.Null()])),
  people: Type.Optional(Type.Array(Person, { maxItems: 50, description: 'People responsible (网格员)' })),
};

export const GridInput = Type.Object({ code: GridCode, ...gridFields }, { additionalProperties: false });
export type GridInput = Static<typeof GridInput>;

export const GridPatch = Type.Object(
  { ...Type.Partial(Type.Object(gridFields)).properties, polygon: Type.Optional(Type.Union([GridPolygon, Type.Null()])) },
  { additionalProperties: false, minProperties: 1 },
);

export const Grid = Type.Object({
  code: GridCode,
  name: Name,
  level: GridLevel,
  parentCode: Type.Union([GridCode, Type.Null()]),
  polygon: Type.Optional(GridPolygon),
  departmentId: Type.Union([Id, Type.Null()]),
  people: Type.Array(Person),
  ...Meta,
});
export type Grid = Static<typeof Grid>;
