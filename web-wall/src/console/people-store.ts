// The people an admin manages (GET /api/users), and the one secret the
// gateway just showed (a temporary password) until the admin has noted it.
import { signal } from '@preact/signals';
import { api } from '../api/client.ts';
import type { User } from '../signin/account-types.ts';

export const people = signal<User[]>([]);
export const peopleProblem = signal<string | null>(null);
export const shownPassword = signal<{ name: string; password: string } | null>(null);

export async function loadPeople(): Promise<void> {
  try {
    people.value = (await api<{ items: User[] }>('/api/users')).items;
    peopleProblem.value = null;
  } catch (err) {
    peopleProblem.value = (err as Error).message;
  }
}
