// API keys: creation (secret shown once), revocation, and turning a presented
// secret into the actor behind it.
import { GwError, invalid, notFound } from '../errors.ts';
import type { RegistryEvents } from '../events.ts';
import { ApiKeyInput, type ApiKey } from '../schemas/api-key.ts';
import { hashApiKey, newApiKeySecret, newId } from '../secrets.ts';
import type { Actor, ApiKeyRow, RegistryStore } from '../store/registry-store.ts';
import { check } from '../validation.ts';
import { checkScope } from './scope-input.ts';

// last_used_at is written at most this often per key, not on every request.
const TOUCH_INTERVAL_MS = 60_000;
// A token naming a key is checked against the store at most this often per key
// (a revocation on this node or announced by another one clears it at once).
const ACTIVE_CACHE_MS = 10_000;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const publicKey = (k: ApiKeyRow): ApiKey => ({
  id: k.id,
  name: k.name,
  role: k.role,
  scope: k.scope,
  createdAt: iso(k.createdAt)!,
  createdBy: k.createdBy,
  lastUsedAt: iso(k.lastUsedAt),
  revokedAt: iso(k.revokedAt),
});

const auditView = (k: ApiKeyRow) => ({ id: k.id, name: k.name, role: k.role, scope: k.scope, revokedAt: iso(k.revokedAt) });

/** The actor a key stands for; its scope only when it has one (absent: everything). */
const keyActor = (k: ApiKeyRow): Actor => ({ keyId: k.id, name: k.name, role: k.role, ...(k.scope ? { scope: k.scope } : {}) });

export const SYSTEM_ACTOR: Actor = { keyId: null, name: 'system', role: null };

/** What a token names when it was issued to a signed-in person (see http/auth.ts tokenSubject). */
const SESSION_SUBJECT = 'session:';

export class ApiKeys {
  private readonly active = new Map<string, { actor: Actor | undefined; at: number }>();
  /** Resolves `session:<ref>` token subjects (set by the accounts), so rooms that check a token's key accept a person's too. */
  private sessionSubjects?: (ref: string) => Promise<Actor | undefined>;

  constructor(
    private readonly store: RegistryStore,
    private readonly events?: RegistryEvents,
  ) {
    events?.on('device.changed', (e) => {
      if (e.entity === 'api_keys') this.active.delete(e.id);
    });
  }

  async create(input: unknown, actor: Actor, secret = newApiKeySecret()): Promise<ApiKey & { secret: string }> {
    const errors = check(ApiKeyInput, input);
    if (errors.length) throw invalid(errors);
    const { name, role } = input as ApiKeyInput;
    const scope = await checkScope(this.store, (input as ApiKeyInput).scope, role);
    const row: ApiKeyRow = {
      id: newId('key'), name, role, secretHash: hashApiKey(secret), createdAt: Date.now(), createdBy: actor.keyId ?? (actor.userId ? `user:${actor.userId}` : null),
      lastUsedAt: null, revokedAt: null, scope,
    };
    await this.store.insertApiKey(row, { actor, action: 'create', entity: 'api_keys', entityId: row.id, before: null, after: auditView(row) });
    this.events?.emit('device.changed', { entity: 'api_keys', action: 'create', id: row.id, before: null, after: auditView(row) });
    return { ...publicKey(row), secret };
  }

  async list(): Promise<ApiKey[]> {
    return (await this.store.listApiKeys()).map(publicKey);
  }

  async revoke(id: string, actor: Actor): Promise<ApiKey> {
    const keys = await this.store.listApiKeys();
    const key = keys.find((k) => k.id === id);
    if (!key) throw notFound('API key', id);
    if (key.revokedAt !== null) return publicKey(key);
    if (key.role === 'admin' && (await this.store.countActiveAdminKeys()) <= 1) {
      throw new GwError('GW_ERR_CONFLICT', 'this is the last active admin key; create another admin key first', 'id');
    }
    const at = Date.now();
    const after = { ...key, revokedAt: at };
    await this.store.revokeApiKey(id, at, { actor, action: 'revoke', entity: 'api_keys', entityId: id, before: auditView(key), after: auditView(after) });
    this.events?.emit('device.changed', { entity: 'api_keys', action: 'revoke', id, before: auditView(key), after: auditView(after) });
    return publicKey(after);
  }

  /** The actor for a presented secret, or undefined when it is unknown or revoked. */
  async authenticate(secret: string): Promise<Actor | undefined> {
    const key = await this.store.findApiKeyByHash(hashApiKey(secret));
    if (!key || key.revokedAt !== null) return undefined;
    const now = Date.now();
    if (key.lastUsedAt === null || now - key.lastUsedAt > TOUCH_INTERVAL_MS) await this.store.touchApiKey(key.id, now);
    return keyActor(key);
  }

  resolveSessionsWith(resolve: (ref: string) => Promise<Actor | undefined>): void {
    this.sessionSubjects = resolve;
  }

  /**
   * The actor behind a still-active key, by id: for tokens that name the key they were issued to.
   * A token issued to a person names their session instead: its actor while the session lives (not cached).
   */
  async activeActor(keyId: string): Promise<Actor | undefined> {
    if (keyId.startsWith(SESSION_SUBJECT)) return this.sessionSubjects?.(keyId.slice(SESSION_SUBJECT.length));
    const hit = this.active.get(keyId);
    if (hit && Date.now() - hit.at < ACTIVE_CACHE_MS) return hit.actor;
    const key = (await this.store.listApiKeys()).find((k) => k.id === keyId && k.revokedAt === null);
    const actor = key && keyActor(key);
    this.active.set(keyId, { actor, at: Date.now() });
    return actor;
  }

  /**
   * Makes sure an admin can get in. With no active admin key, installs the
   * configured one or creates a new one and returns its secret to print once.
   */
  async ensureAdmin(configuredSecret?: string): Promise<{ created: boolean; secret?: string }> {
    if ((await this.store.countActiveAdminKeys()) > 0) return { created: false };
    if (configuredSecret) {
      if (await this.store.findApiKeyByHash(hashApiKey(configuredSecret))) {
        throw new GwError('GW_ERR_CONFLICT', 'the configured admin key was revoked; configure a new one', 'auth.adminKey');
      }
      await this.create({ name: 'admin (from config)', role: 'admin' }, SYSTEM_ACTOR, configuredSecret);
      return { created: true };
    }
    const key = await this.create({ name: 'admin (first start)', role: 'admin' }, SYSTEM_ACTOR);
    return { created: true, secret: key.secret };
  }
}
