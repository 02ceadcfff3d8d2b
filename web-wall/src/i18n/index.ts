// zh-CN and en. Each area of the app adds its own texts (`addText`), so no
// file holds every string; `t` falls back to English, then to the key.
import { signal } from '@preact/signals';

export type Lang = 'zh-CN' | 'en';
export type Texts = Record<Lang, Record<string, string>>;

const LANG_KEY = 'gw.lang';
const dicts: Texts = { 'zh-CN': {}, en: {} };

function initialLang(): Lang {
  const saved = localStorage.getItem(LANG_KEY);
  if (saved === 'zh-CN' || saved === 'en') return saved;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export const lang = signal<Lang>(initialLang());
document.documentElement.lang = lang.value;

export function setLang(next: Lang): void {
  localStorage.setItem(LANG_KEY, next);
  document.documentElement.lang = next;
  lang.value = next;
}

export function addText(texts: Texts): void {
  Object.assign(dicts['zh-CN'], texts['zh-CN']);
  Object.assign(dicts.en, texts.en);
}

/** The text for `key` in the current language, with `{name}` filled from `params`. */
export function t(key: string, params?: Record<string, string | number>): string {
  const text = dicts[lang.value][key] ?? dicts.en[key] ?? key;
  return params ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m)) : text;
}

type Resolver = (value: string) => string | undefined;
const resolvers = new Map<string, Resolver>();

/** Names a vocabulary's values that no text lists (incident types made from sensor kinds, reasons in the server's English). */
export function addResolver(vocabulary: string, resolve: Resolver): void {
  resolvers.set(vocabulary, resolve);
}

/** A label for a value of a known vocabulary (status, severity, incident type…), or the value itself. */
export function label(vocabulary: string, value: string): string {
  const key = `${vocabulary}.${value}`;
  const text = t(key);
  return text === key ? resolvers.get(vocabulary)?.(value) ?? value : text;
}

export function formatTime(iso: string | number | null | undefined, withDate = false): string {
  if (iso === null || iso === undefined) return '—';
  const d = new Date(iso);
  return d.toLocaleString(lang.value, withDate
    ? { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }
    : { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}
