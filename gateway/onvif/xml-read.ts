// Small readers over parsed ONVIF answers (local names, see soap/parse.ts).
import { childElement, childList, childText } from '../xml/safe-xml.ts';
import type { XmlElement } from '../xml/safe-xml.ts';

/** Follows a path of element names from `el`; undefined when a step is missing. */
export function at(el: XmlElement | undefined, ...path: string[]): XmlElement | undefined {
  let cur = el;
  for (const name of path) cur = cur ? childElement(cur, name) : undefined;
  return cur;
}

/** Text at the end of a path. */
export function textAt(el: XmlElement | undefined, ...path: string[]): string | undefined {
  const last = path.at(-1);
  const parent = at(el, ...path.slice(0, -1));
  return parent && last ? childText(parent, last) : undefined;
}

export function elements(el: XmlElement | undefined, name: string): XmlElement[] {
  if (!el) return [];
  return childList(el, name).map((n) => (typeof n === 'string' ? { '#text': n } : n));
}

export function numberAt(el: XmlElement | undefined, ...path: string[]): number | undefined {
  const t = textAt(el, ...path);
  const n = t === undefined ? NaN : Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** SimpleItem Name/Value pairs of a Source or Data element. */
export function simpleItems(el: XmlElement | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of elements(el, 'SimpleItem')) {
    const name = childText(item, '@Name');
    if (name && name !== '__proto__') out[name] = childText(item, '@Value') ?? '';
  }
  return out;
}

/** xs:duration as cameras send it (PT60S, PT1M30S, PT1H, P1D) in ms; undefined otherwise. */
export function durationMs(s: string | undefined): number | undefined {
  const m = s ? /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(s.trim()) : null;
  if (!m || s?.trim() === 'P' || s?.trim() === 'PT') return undefined;
  return (((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60 + Number(m[4] ?? 0)) * 1000;
}

/** A service address as the camera gave it, with its host replaced by the one we reach the camera at
 *  when it names another (cameras behind NAT or port forwarding advertise their inside address). */
export function reachable(xaddr: string | undefined, deviceUrl: URL): string | undefined {
  if (!xaddr) return undefined;
  let url: URL;
  try {
    url = new URL(xaddr.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.hostname !== deviceUrl.hostname) {
    url.hostname = deviceUrl.hostname;
    url.port = deviceUrl.port;
  }
  url.username = '';
  url.password = '';
  return url.toString();
}
