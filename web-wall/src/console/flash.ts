// A line of news the console shows above a list after a form closes
// ("saved", "deleted") — on that list only, until the next one or dismissed.
import { signal } from '@preact/signals';
import { route } from '../router.ts';

export const flashMessage = signal<{ text: string; tab: string } | null>(null);

/** Shown on the console tab that is open now (the form's list). */
export function flash(text: string): void {
  flashMessage.value = { text, tab: route.value[1] ?? 'channels' };
}
