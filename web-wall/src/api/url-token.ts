// The short-lived URL token for what the browser fetches by itself (the event
// stream, <img> snapshots): the API key stays out of URLs, history and proxy
// logs. It is renewed at half its life; views read it as a signal, so an
// image rendered later never carries an expired one.
import { signal } from '@preact/signals';
import { api } from './client.ts';

const urlToken = signal('');
let renewal: ReturnType<typeof setTimeout> | undefined;
let pending: Promise<string> | null = null;

/** Fetches a new token now (the event stream calls this after the old one was refused). */
export function renewUrlToken(): Promise<string> {
  pending ??= api<{ token: string; expiresAt: string }>('/api/url-tokens', { method: 'POST' })
    .then(({ token, expiresAt }) => {
      urlToken.value = token;
      clearTimeout(renewal);
      const halfLife = Math.max(15_000, (Date.parse(expiresAt) - Date.now()) / 2);
      renewal = setTimeout(() => void renewUrlToken().catch(() => undefined), halfLife);
      return token;
    })
    .finally(() => (pending = null));
  return pending;
}

export function stopUrlTokens(): void {
  clearTimeout(renewal);
  urlToken.value = '';
}

/** `access_token=…` for a URL the browser fetches itself. */
export const tokenParam = () => `access_token=${encodeURIComponent(urlToken.value)}`;

/** `path` with the token added to its query. */
export const withUrlToken = (path: string) => `${path}${path.includes('?') ? '&' : '?'}${tokenParam()}`;
