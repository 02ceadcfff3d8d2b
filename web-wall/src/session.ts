// Who is logged in: the API key (kept for the tab, or on this workstation when
// the user asks), and the role /api/me reports for it. The role picks the views.
import { signal } from '@preact/signals';
import { api, ApiError, useKey } from './api/client.ts';
import { connectEvents, endEvents } from './api/events.ts';
import type { Me, Role } from './api/types.ts';

const STORE_KEY = 'gw.apiKey';
export const me = signal<Me | null>(null);

function stored(): string | null {
  return sessionStorage.getItem(STORE_KEY) ?? localStorage.getItem(STORE_KEY);
}

export async function login(key: string, remember: boolean): Promise<void> {
  const who = await api<Me>('/api/me', { key });
  (remember ? localStorage : sessionStorage).setItem(STORE_KEY, key);
  start(key, who);
}

/** Logs back in with a stored key; a revoked one is forgotten. */
export async function resume(): Promise<void> {
  const key = stored();
  if (!key) return;
  try {
    start(key, await api<Me>('/api/me', { key }));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) forget();
    else throw err;
  }
}

export function logout(): void {
  forget();
  endEvents();
  useKey(null);
  me.value = null;
}

function forget(): void {
  sessionStorage.removeItem(STORE_KEY);
  localStorage.removeItem(STORE_KEY);
}

function start(key: string, who: Me): void {
  useKey(key, logout);
  me.value = who;
  connectEvents();
}

/** The views each role sees, in menu order. */
export type View = 'wall' | 'dispatch' | 'sensors' | 'console';
const VIEWS: Record<Role, View[]> = {
  admin: ['wall', 'dispatch', 'sensors', 'console'],
  operator: ['wall', 'sensors'],
  dispatcher: ['dispatch', 'wall', 'sensors'],
  engineer: ['console', 'wall', 'sensors'],
};
export const viewsFor = (role: Role): View[] => VIEWS[role];
export const can = (role: Role | undefined, ...roles: Role[]) => role !== undefined && roles.includes(role);
