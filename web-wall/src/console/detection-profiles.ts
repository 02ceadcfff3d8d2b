// The detection profiles a camera can be given (GET /api/detection/profiles),
// loaded once per visit. A gateway without detection answers 404: then the
// form offers only "none" and the profile a camera already has.
import { signal } from '@preact/signals';
import { api, ApiError } from '../api/client.ts';

export const profileNames = signal<string[]>([]);
export const profilesProblem = signal<string | null>(null);
let loaded = false;

export async function loadProfiles(): Promise<void> {
  if (loaded) return;
  try {
    profileNames.value = Object.keys(await api<Record<string, unknown>>('/api/detection/profiles')).sort();
    profilesProblem.value = null;
    loaded = true;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      loaded = true;
      return;
    }
    profilesProblem.value = (err as Error).message;
  }
}

export function profileOptions(current: string, noneLabel: string): Array<{ value: string; label: string }> {
  const names = current && !profileNames.value.includes(current) ? [...profileNames.value, current] : profileNames.value;
  return [{ value: '', label: noneLabel }, ...names.map((n) => ({ value: n, label: n }))];
}
