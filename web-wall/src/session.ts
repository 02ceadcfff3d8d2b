// Who is signed in. A person signs in with user name and password (or single
// sign-on): the gateway keeps the session in the gw_session cookie, which the
// browser sends itself; the wall holds only the CSRF token for writes and
// resumes with GET /api/auth/me on load. A kiosk wall may sign in with an API
// key instead (kept for the tab, or on the workstation when asked). The role
// picks the views; a 401 anywhere brings back the sign-in page, saying why.
import { signal } from '@preact/signals';
import { api, ApiError, useCsrfToken, useKey } from './api/client.ts';
import { connectEvents, endEvents } from './api/events.ts';
import type { Me, Role } from './api/types.ts';
import type { AuthMe, SignedIn, User } from './signin/account-types.ts';

const STORE_KEY = 'gw.apiKey';

/** The caller: `keyId` for an API key, `userId` and `user` for a person. */
export interface Who extends Me {
  via: 'session' | 'key';
  userId: string | null;
  displayName: string;
  user: User | null;
}

export const me = signal<Who | null>(null);
/** Why the sign-in page is shown again: the session ended on its own (or elsewhere). */
export const signedOutBecause = signal<'expired' | null>(null);

function stored(): string | null {
  return sessionStorage.getItem(STORE_KEY) ?? localStorage.getItem(STORE_KEY);
}

const personWho = (user: User): Who => ({
  via: 'session', keyId: null, userId: user.id, name: user.username, displayName: user.displayName || user.username, role: user.role, user,
});
const keyWho = (key: Me): Who => ({ via: 'key', keyId: key.keyId, userId: null, name: key.name, displayName: key.name, role: key.role, user: null });

/** Signs a person in; throws the ApiError (401 wrong, 429 locked with retryAfter). */
export async function signIn(username: string, password: string): Promise<void> {
  const { user, csrfToken } = await api<SignedIn>('/api/auth/login', { method: 'POST', body: { username, password }, signingIn: true });
  forgetKey();
  startPerson(user, csrfToken);
}

/** Signs in with an API key (kiosk walls, scripts' browsers), checked against /api/me before it is kept. */
export async function signInWithKey(key: string, remember: boolean): Promise<void> {
  const who = await api<Me>('/api/me', { key });
  (remember ? localStorage : sessionStorage).setItem(STORE_KEY, key);
  startKey(key, who);
}

/** On load: a stored key, else the session cookie (GET /api/auth/me). A revoked key is forgotten. */
export async function resume(): Promise<void> {
  const key = stored();
  if (key) {
    try {
      return startKey(key, await api<Me>('/api/me', { key }));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) forgetKey();
      else throw err;
    }
  }
  try {
    const who = await api<AuthMe>('/api/auth/me', { signingIn: true });
    if (who.via === 'session' && who.user && who.csrfToken) startPerson(who.user, who.csrfToken);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) throw err;
  }
}

/** Reads the person again (after a password change the gateway no longer asks for one). */
export async function refreshMe(): Promise<void> {
  const who = await api<AuthMe>('/api/auth/me');
  if (who.via === 'session' && who.user && who.csrfToken) startPerson(who.user, who.csrfToken);
}

/** Signs out: ends this session at the gateway (a key is only forgotten). */
export async function signOut(): Promise<void> {
  if (me.value?.via === 'session') await api('/api/auth/logout', { method: 'POST' }).catch(() => undefined);
  end(null);
}

/** Ends every session of the person, on every workstation. */
export async function signOutEverywhere(): Promise<void> {
  await api('/api/auth/logout-all', { method: 'POST' });
  end(null);
}

/** Changes the person's own password; the gateway ends their other sessions. Throws the ApiError (field errors). */
export async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
  await api('/api/auth/password', { method: 'POST', body: { currentPassword, newPassword } });
  await refreshMe();
}

/** The old name of signOut, for views that log out without a reason. */
export const logout = (): void => void signOut();

function expired(): void {
  if (me.value) end('expired');
}

function end(reason: 'expired' | null): void {
  forgetKey();
  endEvents();
  useKey(null);
  useCsrfToken(null);
  signedOutBecause.value = reason;
  me.value = null;
}

function forgetKey(): void {
  sessionStorage.removeItem(STORE_KEY);
  localStorage.removeItem(STORE_KEY);
}

function startKey(key: string, who: Me): void {
  useKey(key, expired);
  useCsrfToken(null);
  begin(keyWho(who));
}

function startPerson(user: User, csrfToken: string): void {
  useKey(null);
  useCsrfToken(csrfToken, expired);
  begin(personWho(user));
}

function begin(who: Who): void {
  const wasLive = me.value !== null && !me.value.user?.mustChangePassword;
  signedOutBecause.value = null;
  me.value = who;
  // Until the password is changed the gateway answers nothing but /api/auth/…: no stream yet.
  const live = !who.user?.mustChangePassword;
  if (live && !wasLive) connectEvents();
}

/** The views each role sees, in menu order. */
export type View = 'wall' | 'map' | 'dashboard' | 'dispatch' | 'sensors' | 'console';
const VIEWS: Record<Role, View[]> = {
  admin: ['wall', 'map', 'dashboard', 'dispatch', 'sensors', 'console'],
  // 研判 (dashboard): it writes nothing, so operators see it as dispatchers do.
  operator: ['wall', 'map', 'dashboard', 'sensors'],
  dispatcher: ['dispatch', 'map', 'dashboard', 'wall', 'sensors'],
  engineer: ['console', 'map', 'wall', 'sensors'],
};
export const viewsFor = (role: Role): View[] => VIEWS[role];
export const can = (role: Role | undefined, ...roles: Role[]) => role !== undefined && roles.includes(role);
/** True while the signed-in person must change their password before anything else. */
export const mustChangePassword = (): boolean => Boolean(me.value?.user?.mustChangePassword);
