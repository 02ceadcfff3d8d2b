// Hash routes (#/wall, #/dispatch/<id>, #/console/sensors…): the gateway serves
// one index.html and needs no fallback route.
import { signal } from '@preact/signals';

const parse = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
export const route = signal<string[]>(parse());
window.addEventListener('hashchange', () => (route.value = parse()));

export function go(...parts: string[]): void {
  location.hash = `#/${parts.map(encodeURIComponent).join('/')}`;
}
