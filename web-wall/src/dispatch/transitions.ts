// The closed-loop transition table as the gateway publishes it, loaded once:
// the detail shows a button only for the actions this role may take from the
// incident's state, and takes them with the incident's version (409 if stale).
import { signal } from '@preact/signals';
import { api, ApiError } from '../api/client.ts';
import type { Incident, Role, Transition } from '../api/types.ts';

export const transitions = signal<Transition[] | null>(null);
export const transitionsError = signal<string | null>(null);
let loading: Promise<void> | null = null;

export function loadTransitions(): Promise<void> {
  loading ??= api<{ items: Transition[] }>('/api/incidents/transitions')
    .then((page) => {
      transitions.value = page.items;
      transitionsError.value = null;
    })
    .catch((err: unknown) => {
      transitionsError.value = (err as Error).message;
      loading = null; // the next detail opened tries again
    });
  return loading;
}

/** The transitions `role` may take on `incident` now, in the table's order. */
export function allowedTransitions(incident: Incident, role: Role | undefined): Transition[] {
  if (!role) return [];
  return (transitions.value ?? []).filter((tr) => tr.from.includes(incident.status) && tr.roles.includes(role));
}

/** A failed action as the form shows it: the message, and the field it is about if the gateway named one. */
export function describeFailure(err: unknown): { message: string; field?: string; stale: boolean } {
  // `message` read when painted: the gateway's coded message in the language shown then.
  if (err instanceof ApiError) return { get message() { return err.message; }, field: err.field, stale: err.status === 409 };
  return { message: (err as Error).message, stale: false };
}
