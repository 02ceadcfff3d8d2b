// 分级分权: what part of the city an actor may see and act on. A scope is a
// list of grid codes, each meaning that cell and every cell below it; null or
// absent means everything (and an admin's scope is always everything).
//
// Everything here is answered from memory after the first call: the grid tree
// and each device's grid cell are cached and kept current by `device.changed`
// (which a cluster relays from the other nodes), and the cells a scope covers
// are worked out once per distinct scope. A list of 10,000 channels or an
// event fanned out to 1,000 streams then costs a Set lookup per item.
import type { FieldError } from '../errors.ts';
import { say } from '../messages.ts';
import type { RegistryService } from '../service/registry-service.ts';
import type { Actor, EntityName } from '../store/registry-store.ts';

/** Entities that sit in one grid cell (a grid cell sits in itself). */
export type PlacedEntity = 'channels' | 'sensors' | 'gbDevices' | 'grids';

/** parent code → child codes (every cell a key), and the department each cell names. */
interface GridTree {
  children: Map<string | null, string[]>;
  departmentOf: Map<string, string>;
}

/** Things other rooms keep that sit in a grid cell (an incident), found by their own lookup. */
export type PlaceLookup = (id: string) => Promise<string | null | undefined>;

/** The cells a scope covers; null: every cell, and things in no cell too. */
export type Coverage = ReadonlySet<string> | null;

/** A user's current scope when the actor on a request may be older than it (a long-lived stream). */
export type UserScopeLookup = (userId: string) => Promise<readonly string[] | null | undefined>;

const EMPTY: ReadonlySet<string> = new Set();

export class Scopes {
  /** The grid tree, built on first use and dropped on any grid change. */
  private tree: Promise<GridTree> | undefined;
  /** A scope's key (its codes, sorted) → the cells it covers. */
  private readonly coverage = new Map<string, ReadonlySet<string>>();
  /** The same by the scope array itself: a stream's actor asks again at every event. */
  private coverageByList = new WeakMap<readonly string[], ReadonlySet<string>>();
  /** The last cells worked out for each scope, kept across grid changes until worked out again (coverageNow). */
  private readonly lastKnown = new Map<string, ReadonlySet<string>>();
  /** `entity\0id` → the device's grid code (null: in no cell). Absent: not read yet. */
  private readonly placed = new Map<string, string | null>();
  /** userId → scope as last announced (users changed after the request's actor was made). */
  private readonly userScopes = new Map<string, readonly string[] | null | 'gone'>();
  private userLookup: UserScopeLookup;
  private readonly places = new Map<string, PlaceLookup>();

  constructor(
    private readonly registry: RegistryService,
    private readonly log?: { warn(obj: object, msg: string): void },
  ) {
    // A person's scope is read from the accounts store (the users table), then kept until they change.
    this.userLookup = async (userId) => {
      const user = await registry.store.accounts.getUser(userId);
      return user && !user.disabled ? user.scope : undefined;
    };
    registry.events.on('device.changed', (e) => {
      const entity = e.entity as string;
      if (entity === 'grids') this.forgetTree();
      if (entity === 'users') this.noteUser(e.id, e.action, e.after);
      if (entity === 'channels' || entity === 'sensors' || entity === 'gbDevices') {
        const grid = e.after ? ((e.after.gridCode as string | null | undefined) ?? null) : undefined;
        if (grid === undefined) this.placed.delete(key(entity, e.id));
        else this.placed.set(key(entity, e.id), grid);
      }
    });
  }

  /** Where a signed-in person's current scope comes from (default: the registry store's users table); undefined: no such person. */
  useUserLookup(lookup: UserScopeLookup): void {
    this.userLookup = lookup;
  }

  /** How a room's own things are placed: `incident` → its grid code (null: in no cell; undefined: no such incident). */
  addPlace(kind: string, lookup: PlaceLookup): void {
    this.places.set(kind, lookup);
  }

  /** The scope in force for this actor now: a person's scope may have changed since the request began. */
  async currentScope(actor: Actor | undefined): Promise<readonly string[] | null> {
    if (!actor || actor.role === 'admin') return null;
    const userId = actor.userId;
    if (!userId) return actor.scope ?? null;
    if (!this.userScopes.has(userId)) {
      const read = await this.userLookup(userId);
      // An event that came while the store was read is newer than what was read.
      if (!this.userScopes.has(userId)) this.userScopes.set(userId, read === undefined ? 'gone' : read);
    }
    const known = this.userScopes.get(userId);
    // A removed or disabled person sees nothing (the accounts room ends their sessions).
    return known === 'gone' || known === undefined ? [] : known;
  }

  /** The cells the actor's current scope covers; null: everything. */
  async covered(actor: Actor | undefined): Promise<Coverage> {
    return this.coverageOf(await this.currentScope(actor));
  }

  /** The cells a scope covers (each code with every cell below it); null: everything. */
  async coverageOf(scope: readonly string[] | null | undefined): Promise<Coverage> {
    if (scope === null || scope === undefined) return null;
    if (scope.length === 0) return EMPTY;
    const known = this.coverageByList.get(scope);
    if (known) return known;
    const cacheKey = [...scope].sort().join('\u0000');
    const hit = this.coverage.get(cacheKey);
    if (hit) {
      this.coverageByList.set(scope, hit);
      return hit;
    }
    const tree = this.gridTree();
    const { children } = await tree;
    const cells = new Set<string>();
    const stack = [...scope];
    while (stack.length) {
      const code = stack.pop()!;
      if (cells.has(code)) continue;
      cells.add(code);
      for (const child of children.get(code) ?? []) stack.push(child);
    }
    // Kept only if the tree did not change while it was read.
    if (this.tree === tree) {
      this.coverage.set(cacheKey, cells);
      this.coverageByList.set(scope, cells);
      this.lastKnown.set(cacheKey, cells);
    }
    return cells;
  }

  /**
   * For callers that cannot wait (an MQTT message forwarded to a client): the cells last worked out
   * for this scope, and after a grid change a fresh reckoning started for the next call; undefined
   * when never worked out (the caller refuses, and the reckoning is under way).
   */
  coverageNow(scope: readonly string[] | null | undefined): Coverage | undefined {
    if (scope === null || scope === undefined) return null;
    if (scope.length === 0) return EMPTY;
    const cacheKey = [...scope].sort().join('\u0000');
    if (!this.coverage.has(cacheKey)) {
      // A failed read is logged; the next caller starts another.
      this.coverageOf(scope).catch((err: unknown) => this.log?.warn({ err }, 'scope: the grid tree could not be read'));
    }
    return this.lastKnown.get(cacheKey);
  }

  /** Whether the actor may see what sits in this cell (nothing in no cell, unless unscoped). */
  async covers(actor: Actor | undefined, gridCode: string | null | undefined): Promise<boolean> {
    return inCoverage(await this.covered(actor), gridCode);
  }

  /** A device's grid code (null: in no cell), or undefined when it does not exist. */
  async gridOf(entity: PlacedEntity, id: string): Promise<string | null | undefined> {
    if (entity === 'grids') return (await this.gridTree()).children.has(id) ? id : undefined;
    const k = key(entity, id);
    if (this.placed.has(k)) return this.placed.get(k)!;
    const row = await this.registry.getStored(entity as EntityName, id);
    if (!row) return undefined;
    const grid = (row.doc.gridCode as string | null | undefined) ?? null;
    this.placed.set(k, grid);
    return grid;
  }

  /** 'missing' lets the route answer its own 404 for an id that does not exist; 'out' is answered with the same 404. */
  async check(actor: Actor | undefined, kind: PlacedEntity | string, id: string): Promise<'in' | 'out' | 'missing'> {
    const coverage = await this.covered(actor);
    if (coverage === null) return 'in';
    const grid = await this.placeOf(kind, id);
    if (grid === undefined) return 'missing';
    return inCoverage(coverage, grid) ? 'in' : 'out';
  }

  /** Where a registry entity or a room's thing sits; undefined when it does not exist. */
  placeOf(kind: PlacedEntity | string, id: string): Promise<string | null | undefined> {
    if (kind === 'channels' || kind === 'sensors' || kind === 'gbDevices' || kind === 'grids') return this.gridOf(kind, id);
    const lookup = this.places.get(kind);
    if (!lookup) throw new Error(`no scope lookup for '${kind}': the room that keeps them adds one with Scopes.addPlace`);
    return lookup(id);
  }

  /**
   * A scoped actor places what they create or move inside their scope: a cell outside it is refused
   * with the words of a cell that does not exist (400 on the field), and leaving it out is `required`.
   */
  async placementError(actor: Actor | undefined, field: string, gridCode: unknown): Promise<FieldError | undefined> {
    const coverage = await this.covered(actor);
    if (coverage === null) return undefined;
    if (gridCode === null || gridCode === undefined || gridCode === '') return { field, ...say('required') };
    if (typeof gridCode === 'string' && !coverage.has(gridCode)) return { field, ...say('ref_not_found', { entity: 'grid cell', id: gridCode }) };
    return undefined;
  }

  /** Departments a scoped actor may dispatch to: those a covered cell names (grids carry `departmentId`). Null: any. */
  async departments(actor: Actor | undefined): Promise<ReadonlySet<string> | null> {
    const coverage = await this.covered(actor);
    if (coverage === null) return null;
    const { departmentOf } = await this.gridTree();
    const out = new Set<string>();
    for (const code of coverage) {
      const dept = departmentOf.get(code);
      if (dept) out.add(dept);
    }
    return out;
  }

  /** Reads the grid tree and each device's cell now, so the first requests and events do not wait for it. */
  async warm(entities: readonly Exclude<PlacedEntity, 'grids'>[] = ['channels', 'sensors', 'gbDevices']): Promise<void> {
    await this.gridTree();
    for (const entity of entities) {
      for await (const row of this.registry.all(entity)) this.placed.set(key(entity, row.id), (row.doc.gridCode as string | null | undefined) ?? null);
    }
  }

  /** The device's cell if it is already known (events fan-out: no await per subscriber). */
  knownGridOf(entity: Exclude<PlacedEntity, 'grids'>, id: string): string | null | undefined {
    return this.placed.get(key(entity, id));
  }

  private gridTree(): Promise<GridTree> {
    this.tree ??= this.readTree();
    const tree = this.tree;
    tree.catch(() => {
      if (this.tree === tree) this.tree = undefined; // a failed read is tried again by the next caller
    });
    return tree;
  }

  private async readTree(): Promise<GridTree> {
    const children = new Map<string | null, string[]>();
    const departmentOf = new Map<string, string>();
    for await (const row of this.registry.all('grids')) {
      if (typeof row.doc.departmentId === 'string') departmentOf.set(row.id, row.doc.departmentId);
      const parent = (row.doc.parentCode as string | null | undefined) ?? null;
      const list = children.get(parent) ?? [];
      list.push(row.id);
      children.set(parent, list);
      if (!children.has(row.id)) children.set(row.id, []);
    }
    return { children, departmentOf };
  }

  private forgetTree(): void {
    this.tree = undefined;
    this.coverage.clear();
    this.coverageByList = new WeakMap();
  }

  /** A user event with the user's view updates the scope at once; one without (a session ended) makes the next event read it again. */
  private noteUser(id: string, action: string, after: Record<string, unknown> | null): void {
    if (action === 'delete' || after?.disabled === true) this.userScopes.set(id, 'gone');
    else if (after) this.userScopes.set(id, Array.isArray(after.scope) ? (after.scope as string[]) : null);
    else this.userScopes.delete(id);
  }
}

const key = (entity: string, id: string) => `${entity}\u0000${id}`;

/** Whether a cell is within a coverage; something in no cell is only within "everything". */
export function inCoverage(coverage: Coverage, gridCode: string | null | undefined): boolean {
  if (coverage === null) return true;
  return typeof gridCode === 'string' && coverage.has(gridCode);
}
