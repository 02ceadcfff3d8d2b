// The registry's one door for changes: validate, check references, write the
// change and its audit entry atomically, then tell the other rooms.
import { DESCRIPTORS, type EntityDescriptor } from '../entities/index.ts';
import type { Prepared } from '../entities/descriptor.ts';
import { GwError, invalid, notFound, type FieldError } from '../errors.ts';
import { RegistryEvents } from '../events.ts';
import { newId } from '../secrets.ts';
import type { Actor, AuditInput, Change, EntityName, ListFilter, RegistryStore, StatusEntity, StatusFence, StatusRow, StoredRow } from '../store/registry-store.ts';
import { check } from '../validation.ts';
import { mergePatch } from './merge-patch.ts';
import { say } from '../messages.ts';

type Doc = Record<string, unknown>;

export interface Evaluated {
  id: string;
  prepared?: Prepared;
  errors: FieldError[];
}

/** The audit view of an entity: its public form without runtime status and meta. */
export function auditView(desc: EntityDescriptor, doc: Doc, secret: Doc | null): Doc {
  const row: StoredRow = { id: '', doc, secret, status: { state: 'unknown' }, version: 0, createdAt: 0, updatedAt: 0 };
  const { status: _s, version: _v, createdAt: _c, updatedAt: _u, ...view } = desc.toPublic(row);
  return view;
}

/** A check another room adds to an entity's input (e.g. that a detection profile exists); it returns the problems. */
export type InputCheck = (input: Doc, existing: StoredRow | undefined) => FieldError[];

/**
 * Another room's turn at an import's rows before they are checked (an ONVIF
 * row is read from its camera and becomes an RTSP channel): per row, nothing
 * (left as it is), the input that replaces it, or the problems that fail it.
 */
export type ImportRowResolver = (inputs: Array<Doc | undefined>) => Promise<Array<{ input?: Doc; errors?: FieldError[] } | undefined>>;

export class RegistryService {
  readonly events = new RegistryEvents();
  private readonly checks = new Map<EntityName, Set<InputCheck>>();

  /** Adds a check on an entity's input, run with the schema and references; returns its removal. */
  addCheck(entity: EntityName, check: InputCheck): () => void {
    let set = this.checks.get(entity);
    if (!set) this.checks.set(entity, (set = new Set()));
    set.add(check);
    return () => set.delete(check);
  }

  private readonly resolvers = new Map<EntityName, Set<ImportRowResolver>>();

  /** Adds a resolver of import rows (ImportRowResolver); returns its removal. */
  addImportResolver(entity: EntityName, resolver: ImportRowResolver): () => void {
    let set = this.resolvers.get(entity);
    if (!set) this.resolvers.set(entity, (set = new Set()));
    set.add(resolver);
    return () => set.delete(resolver);
  }

  /** The rows after every resolver had its turn: each with its (possibly replaced) input and the problems found. */
  async resolveImportRows(entity: EntityName, inputs: Array<Doc | undefined>): Promise<Array<{ input: Doc | undefined; errors: FieldError[] }>> {
    const out = inputs.map((input) => ({ input, errors: [] as FieldError[] }));
    for (const resolver of this.resolvers.get(entity) ?? []) {
      const answers = await resolver(out.map((r) => (r.errors.length ? undefined : r.input)));
      answers.forEach((answer, i) => {
        const row = out[i]!;
        if (!answer || row.errors.length) return;
        if (answer.errors?.length) row.errors.push(...answer.errors);
        else if (answer.input) row.input = answer.input;
      });
    }
    return out;
  }

  constructor(readonly store: RegistryStore) {}

  descriptor(entity: EntityName): EntityDescriptor {
    return DESCRIPTORS[entity];
  }

  async get(entity: EntityName, id: string): Promise<Doc> {
    const row = await this.store.get(entity, id);
    if (!row) throw notFound(this.descriptor(entity).label, id, this.descriptor(entity).idField);
    return this.descriptor(entity).toPublic(row);
  }

  /** The stored row with its secrets, for rooms that must connect to the device. Never send it to a client. */
  getStored(entity: EntityName, id: string): Promise<StoredRow | undefined> {
    return this.store.get(entity, id);
  }

  /** Every stored row of an entity, page by page (rooms loading what exists at start). */
  async *all(entity: EntityName, pageSize = 500): AsyncGenerator<StoredRow> {
    for (let offset = 0; ; offset += pageSize) {
      const page = await this.store.list(entity, { limit: pageSize, offset });
      yield* page.rows;
      if (offset + page.rows.length >= page.total || page.rows.length === 0) return;
    }
  }

  async list(entity: EntityName, filter: ListFilter) {
    const { rows, total } = await this.store.list(entity, filter);
    const desc = this.descriptor(entity);
    return { items: rows.map((r) => desc.toPublic(r)), total, limit: filter.limit, offset: filter.offset };
  }

  /**
   * Validates an input (create, or a patch already merged) and prepares it for
   * the store, collecting every problem instead of stopping at the first.
   */
  async evaluate(entity: EntityName, input: unknown, existing: StoredRow | undefined, lookup = this.cachedLookup()): Promise<Evaluated> {
    const desc = this.descriptor(entity);
    const given = (input as Doc | null)?.[desc.idField];
    const id = existing?.id ?? (typeof given === 'string' ? given : newId(desc.idPrefix));
    const errors = check(desc.inputSchema, input);
    // References are named the same in input and stored form, so they are
    // checked even when the schema failed: one report lists every problem.
    if (input !== null && typeof input === 'object') {
      for (const ref of desc.references(input as Doc)) {
        if (typeof ref.id === 'string' && !(await lookup(ref.entity, ref.id))) {
          errors.push({ field: ref.field, ...say('ref_not_found', { entity: DESCRIPTORS[ref.entity].label, id: ref.id }) });
        }
      }
      // One message per field: a field the schema refused is not checked again.
      for (const extra of this.checks.get(entity) ?? []) errors.push(...extra(input as Doc, existing).filter((x) => !errors.some((e) => e.field === x.field)));
    }
    if (errors.length) return { id, errors };
    const prepared = desc.prepare(input as Doc, id, existing);
    errors.push(...prepared.errors);
    if (desc.crossCheck && errors.length === 0) errors.push(...(await desc.crossCheck(prepared.doc, id, lookup)));
    if (prepared.columns.altKey && errors.length === 0) {
      const holder = (await this.store.findAltKeys(entity, [prepared.columns.altKey])).get(prepared.columns.altKey);
      if (holder && holder !== id) errors.push({ field: desc.altKeyField ?? 'id', message: `already used by ${desc.label} '${holder}'` });
    }
    return { id, prepared, errors };
  }

  /** A lookup that remembers what it read, for checking many rows against the same grids. */
  cachedLookup() {
    const cache = new Map<string, Promise<StoredRow | undefined>>();
    return (entity: EntityName, id: string) => {
      const key = `${entity}\u0000${id}`;
      let hit = cache.get(key);
      if (!hit) cache.set(key, (hit = this.store.get(entity, id)));
      return hit;
    };
  }

  async create(entity: EntityName, input: unknown, actor: Actor): Promise<{ item: Doc; revealed?: Record<string, string> }> {
    const desc = this.descriptor(entity);
    const { id, prepared, errors } = await this.evaluate(entity, input, undefined);
    if (errors.length || !prepared) throw invalid(errors);
    if (await this.store.get(entity, id)) throw new GwError('GW_ERR_CONFLICT', `${desc.label} '${id}' already exists`, desc.idField);
    const after = auditView(desc, prepared.doc, prepared.secret);
    await this.store.apply(
      [{ op: 'insert', entity, id, columns: prepared.columns, doc: prepared.doc, secret: prepared.secret }],
      [{ actor, action: 'create', entity, entityId: id, before: null, after }],
    );
    const item = await this.get(entity, id);
    this.events.emit('device.changed', { entity, action: 'create', id, before: null, after: item });
    return { item, revealed: prepared.revealed };
  }

  /**
   * Applies a JSON merge patch. `trusted`: a room of the gateway writing what
   * people may not (an ONVIF camera's facts): the patch schema is not applied,
   * the merged result is still checked as a whole.
   */
  async update(entity: EntityName, id: string, patch: unknown, actor: Actor, expectedVersion?: number, opts: { trusted?: boolean } = {}): Promise<Doc> {
    const desc = this.descriptor(entity);
    const row = await this.store.get(entity, id);
    if (!row) throw notFound(desc.label, id, desc.idField);
    if (expectedVersion !== undefined && expectedVersion !== row.version) {
      throw new GwError('GW_ERR_STALE_VERSION', `${desc.label} '${id}' is at version ${row.version}, not ${expectedVersion}`, 'version');
    }
    const patchErrors = opts.trusted ? [] : check(desc.patchSchema, patch);
    if (patchErrors.length) throw invalid(patchErrors);
    const base = desc.toInput(row);
    const p = patch as Doc;
    if (p.kind !== undefined && p.kind !== row.doc.kind) delete base.source; // a new kind brings a whole new source
    const merged = mergePatch(base, patch);
    const { prepared, errors } = await this.evaluate(entity, merged, row);
    if (errors.length || !prepared) throw invalid(errors);
    const before = auditView(desc, row.doc, row.secret);
    const after = auditView(desc, prepared.doc, prepared.secret);
    await this.store.apply(
      [{ op: 'update', entity, id, columns: prepared.columns, doc: prepared.doc, secret: prepared.secret, expectedVersion: row.version }],
      [{ actor, action: 'update', entity, entityId: id, before, after }],
    );
    const item = await this.get(entity, id);
    this.events.emit('device.changed', { entity, action: 'update', id, before: desc.toPublic(row), after: item });
    return item;
  }

  async remove(entity: EntityName, id: string, actor: Actor, expectedVersion?: number): Promise<void> {
    const desc = this.descriptor(entity);
    const row = await this.store.get(entity, id);
    if (!row) throw notFound(desc.label, id, desc.idField);
    if (expectedVersion !== undefined && expectedVersion !== row.version) {
      throw new GwError('GW_ERR_STALE_VERSION', `${desc.label} '${id}' is at version ${row.version}, not ${expectedVersion}`, 'version');
    }
    if (entity === 'grids' || entity === 'departments') {
      const refs = await this.store.referencesTo(entity, id);
      const users = Object.entries(refs).map(([e, n]) => `${n} ${e}`);
      if (users.length) throw new GwError('GW_ERR_IN_USE', `${desc.label} '${id}' is still used by ${users.join(', ')}`, desc.idField);
    }
    await this.store.apply(
      [{ op: 'delete', entity, id, expectedVersion: row.version }],
      [{ actor, action: 'delete', entity, entityId: id, before: auditView(desc, row.doc, row.secret), after: null }],
    );
    this.events.emit('device.changed', { entity, action: 'delete', id, before: desc.toPublic(row), after: null });
  }

  /** Applies prepared imports in one transaction and announces each change. */
  async commitImport(entity: EntityName, rows: Array<{ evaluated: Evaluated; existing?: StoredRow }>, actor: Actor): Promise<void> {
    const desc = this.descriptor(entity);
    const changes: Change[] = [];
    const audit: AuditInput[] = [];
    for (const { evaluated, existing } of rows) {
      const p = evaluated.prepared!;
      const after = auditView(desc, p.doc, p.secret);
      const columns = p.columns;
      if (existing) {
        changes.push({ op: 'update', entity, id: evaluated.id, columns, doc: p.doc, secret: p.secret, expectedVersion: existing.version });
        audit.push({ actor, action: 'update', entity, entityId: evaluated.id, before: auditView(desc, existing.doc, existing.secret), after });
      } else {
        changes.push({ op: 'insert', entity, id: evaluated.id, columns, doc: p.doc, secret: p.secret });
        audit.push({ actor, action: 'create', entity, entityId: evaluated.id, before: null, after });
      }
    }
    await this.store.apply(changes, audit);
    for (const { evaluated, existing } of rows) {
      const item = await this.get(entity, evaluated.id);
      this.events.emit('device.changed', {
        entity, action: existing ? 'update' : 'create', id: evaluated.id, before: existing ? desc.toPublic(existing) : null, after: item,
      });
    }
  }

  /** Runtime state from the rooms that run devices; not a registry change, so not audited. */
  async setStatus(entity: StatusEntity, id: string, status: StatusRow, fence?: StatusFence): Promise<void> {
    if (await this.store.setStatus(entity, id, status, fence)) {
      this.events.emit('device.status', { entity, id, state: status.state, reason: status.reason });
    }
  }
}
