// People: created and changed by admins (or by single sign-on), each change on
// the audit log in the same transaction. A change that takes someone's access
// away (disabled, password reset, deleted) ends their sessions at once; role
// and scope changes take effect on their next request, since every request
// reads the person afresh.
import { coded, GwError, invalid, notFound } from '../errors.ts';
import { say } from '../messages.ts';
import type { RegistryEvents } from '../events.ts';
import { UserInput, UserPatch, type User } from '../schemas/user.ts';
import { newId } from '../secrets.ts';
import type { Actor, EndSessions, RegistryStore, UserRow } from '../store/registry-store.ts';
import { check } from '../validation.ts';
import { dummyHash, hashUserPassword, needsRehash, passwordProblems, temporaryPassword, verifyUserPassword } from './passwords.ts';
import { checkScope } from './scope-input.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const publicUser = (u: UserRow): User => ({
  id: u.id, username: u.username, displayName: u.displayName, role: u.role, department: u.departmentId, scope: u.role === 'admin' ? null : u.scope,
  source: u.source, disabled: u.disabled, mustChangePassword: u.mustChangePassword, createdAt: iso(u.createdAt)!, lastSignInAt: iso(u.lastSignInAt),
});

/** What the audit log keeps of a person: never the hash. */
const auditView = (u: UserRow) => ({
  id: u.id, username: u.username, displayName: u.displayName, role: u.role, department: u.departmentId, scope: u.scope,
  source: u.source, disabled: u.disabled, mustChangePassword: u.mustChangePassword,
});

/** The person as an identity provider vouches for them (single sign-on). */
export interface ExternalUser {
  username: string;
  displayName: string;
  role: UserRow['role'];
  department: string | null;
  scope: string[] | null;
  source: 'oidc';
  issuer: string;
  subject: string;
}

const SSO_ACTOR: Actor = { keyId: null, name: 'single sign-on', role: null };
export const SYSTEM_USER_ACTOR: Actor = { keyId: null, name: 'system', role: null };

export class Users {
  constructor(private readonly store: RegistryStore, private readonly events?: RegistryEvents) {}

  private get accounts() {
    return this.store.accounts;
  }

  async list(): Promise<User[]> {
    return (await this.accounts.listUsers()).map(publicUser);
  }

  async getRow(id: string): Promise<UserRow> {
    const row = await this.accounts.getUser(id);
    if (!row) throw notFound('user', id);
    return row;
  }

  /** `mustChangePassword: false` is for set-ups that hand out known passwords on purpose (the demo). */
  async create(input: unknown, actor: Actor, opts: { mustChangePassword?: boolean } = {}): Promise<{ user: User; temporaryPassword?: string }> {
    const errors = check(UserInput, input);
    if (errors.length) throw invalid(errors);
    const body = input as UserInput;
    const temporary = body.password === undefined ? temporaryPassword(body.username) : undefined;
    const password = body.password ?? temporary!;
    const problems = passwordProblems(password, body.username, 'password');
    if (problems.length) throw invalid(problems);
    const now = Date.now();
    const row: UserRow = {
      id: newId('user'), username: body.username, displayName: body.displayName ?? body.username, role: body.role,
      departmentId: await this.checkDepartment(body.department ?? null), scope: await checkScope(this.store, body.scope, body.role),
      source: 'local', issuer: null, subject: null, passwordHash: await hashUserPassword(password),
      // An admin who chose the password still hands it over: the person picks their own at the first sign-in.
      mustChangePassword: opts.mustChangePassword ?? true, disabled: false, version: 1, createdAt: now, updatedAt: now, lastSignInAt: null,
    };
    await this.accounts.insertUser(row, { actor, action: 'create', entity: 'users', entityId: row.id, before: null, after: auditView(row) });
    this.announce(row, 'create');
    return { user: publicUser(row), ...(temporary ? { temporaryPassword: temporary } : {}) };
  }

  async update(id: string, patch: unknown, actor: Actor): Promise<User> {
    const errors = check(UserPatch, patch);
    if (errors.length) throw invalid(errors);
    const p = patch as UserPatch;
    const before = await this.getRow(id);
    const role = p.role ?? before.role;
    const after: UserRow = {
      ...before,
      displayName: p.displayName ?? before.displayName,
      role,
      departmentId: p.department === undefined ? before.departmentId : await this.checkDepartment(p.department),
      // A new role re-checks the scope (an admin has none); a scope left out stays as it was.
      scope: await checkScope(this.store, p.scope === undefined ? (role === 'admin' ? null : before.scope) : p.scope, role),
      disabled: p.disabled ?? before.disabled,
    };
    await this.keepAnAdmin(before, after);
    const end: EndSessions | undefined = after.disabled && !before.disabled ? { all: true } : undefined;
    const saved = await this.save(before, after, actor, end);
    return publicUser(saved);
  }

  async remove(id: string, actor: Actor): Promise<void> {
    const before = await this.getRow(id);
    await this.keepAnAdmin(before, undefined);
    await this.accounts.deleteUser(id, before.version, { actor, action: 'delete', entity: 'users', entityId: id, before: auditView(before), after: null });
    this.announce(before, 'delete');
  }

  /** A new temporary password (shown once), to be changed at the next sign-in; every session of the user ends. */
  async resetPassword(id: string, actor: Actor): Promise<{ user: User; temporaryPassword: string }> {
    const before = await this.getRow(id);
    if (before.source !== 'local') throw new GwError('GW_ERR_CONFLICT', 'this user signs in through single sign-on and has no password here', 'id');
    const temporary = temporaryPassword(before.username);
    const after = { ...before, passwordHash: await hashUserPassword(temporary), mustChangePassword: true };
    const saved = await this.save(before, after, actor, { all: true }, { passwordReset: true });
    return { user: publicUser(saved), temporaryPassword: temporary };
  }

  /** The user's own change: the current password first; ends their other sessions (all but `keepSession`). */
  async changePassword(user: UserRow, currentPassword: string, newPassword: string, keepSession: string): Promise<UserRow> {
    if (!user.passwordHash || !(await verifyUserPassword(currentPassword, user.passwordHash))) {
      throw invalid([{ field: 'currentPassword', ...say('password_not_current') }]);
    }
    const problems = passwordProblems(newPassword, user.username, 'newPassword');
    if (newPassword === currentPassword) problems.push({ field: 'newPassword', ...say('password_unchanged') });
    if (problems.length) throw invalid(problems);
    const after = { ...user, passwordHash: await hashUserPassword(newPassword), mustChangePassword: false };
    const actor: Actor = { keyId: null, userId: user.id, name: user.username, role: user.role };
    return this.save(user, after, actor, { except: keepSession }, { passwordChanged: true });
  }

  /**
   * Checks a name and password. Unknown names, people without a local
   * password and disabled people cost the same scrypt as a wrong password and
   * all come back undefined: the caller answers them alike.
   */
  async verifyCredentials(username: string, password: string): Promise<UserRow | undefined> {
    const user = await this.accounts.findUserByUsername(username);
    const hash = user?.passwordHash ?? (await dummyHash());
    const ok = await verifyUserPassword(password, hash);
    if (!ok || !user || !user.passwordHash || user.disabled || user.source !== 'local') return undefined;
    if (needsRehash(hash)) return this.accounts.updateUser({ ...user, passwordHash: await hashUserPassword(password) }, user.version, null);
    return user;
  }

  /** Creates the person an identity provider vouches for, or brings their name, role, department and scope up to date. */
  async upsertExternal(identity: ExternalUser): Promise<UserRow> {
    const departmentId = await this.checkDepartment(identity.department);
    const scope = await checkScope(this.store, identity.scope, identity.role);
    const existing = await this.accounts.findUserBySubject(identity.issuer, identity.subject);
    if (existing) {
      const after = { ...existing, username: identity.username, displayName: identity.displayName, role: identity.role, departmentId, scope };
      const same = JSON.stringify(auditView(after)) === JSON.stringify(auditView(existing));
      return same ? existing : this.save(existing, after, SSO_ACTOR);
    }
    const now = Date.now();
    const row: UserRow = {
      id: newId('user'), username: identity.username, displayName: identity.displayName, role: identity.role, departmentId, scope,
      source: 'oidc', issuer: identity.issuer, subject: identity.subject, passwordHash: null, mustChangePassword: false, disabled: false,
      version: 1, createdAt: now, updatedAt: now, lastSignInAt: null,
    };
    await this.accounts.insertUser(row, { actor: SSO_ACTOR, action: 'create', entity: 'users', entityId: row.id, before: null, after: auditView(row) });
    this.announce(row, 'create');
    return row;
  }

  /**
   * Makes sure a person can sign in as admin: with no active admin user,
   * creates `admin` with the configured password, or a random one returned
   * to print once (to be changed at the first sign-in).
   */
  async ensureAdmin(configuredPassword?: string): Promise<{ created: boolean; username?: string; password?: string }> {
    if ((await this.accounts.countActiveAdminUsers()) > 0) return { created: false };
    let username = 'admin';
    for (let n = 2; await this.accounts.findUserByUsername(username); n++) username = `admin-${n}`;
    const password = configuredPassword ?? temporaryPassword(username);
    const problems = passwordProblems(password, username, 'auth.adminPassword');
    if (problems.length) throw invalid(problems);
    const now = Date.now();
    const row: UserRow = {
      id: newId('user'), username, displayName: 'Administrator', role: 'admin', departmentId: null, scope: null, source: 'local',
      issuer: null, subject: null, passwordHash: await hashUserPassword(password), mustChangePassword: !configuredPassword, disabled: false,
      version: 1, createdAt: now, updatedAt: now, lastSignInAt: null,
    };
    await this.accounts.insertUser(row, { actor: SYSTEM_USER_ACTOR, action: 'create', entity: 'users', entityId: row.id, before: null, after: auditView(row) });
    return configuredPassword ? { created: true, username } : { created: true, username, password };
  }

  async recordSignIn(id: string): Promise<void> {
    await this.accounts.recordSignIn(id, Date.now());
  }

  private async save(before: UserRow, after: UserRow, actor: Actor, end?: EndSessions, note?: object): Promise<UserRow> {
    const audit = { actor, action: 'update' as const, entity: 'users', entityId: before.id, before: auditView(before), after: { ...auditView(after), ...note } };
    const saved = await this.accounts.updateUser(after, before.version, audit, end);
    this.announce(saved, 'update');
    return saved;
  }

  private async checkDepartment(id: string | null): Promise<string | null> {
    if (id === null) return null;
    if (!(await this.store.get('departments', id))) throw invalid([{ field: 'department', message: `unknown department: ${id}` }]);
    return id;
  }

  /** The last active admin person cannot be demoted, disabled or deleted (the admin key is for machines). */
  private async keepAnAdmin(before: UserRow, after: UserRow | undefined): Promise<void> {
    const wasActiveAdmin = before.role === 'admin' && !before.disabled;
    const staysActiveAdmin = after !== undefined && after.role === 'admin' && !after.disabled;
    if (!wasActiveAdmin || staysActiveAdmin) return;
    if ((await this.accounts.countActiveAdminUsers()) <= 1) {
      throw coded('GW_ERR_CONFLICT', say('last_admin_user'), after === undefined ? 'id' : after.disabled ? 'disabled' : 'role');
    }
  }

  private announce(u: UserRow, action: 'create' | 'update' | 'delete'): void {
    const view = publicUser(u) as unknown as Record<string, unknown>;
    this.events?.emit('device.changed', { entity: 'users', action, id: u.id, before: null, after: action === 'delete' ? null : view });
  }
}
