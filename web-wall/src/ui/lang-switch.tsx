import { lang, setLang, type Lang } from '../i18n/index.ts';

const LANGS: Array<[Lang, string]> = [['zh-CN', '中文'], ['en', 'English']];

export function LangSwitch() {
  return (
    <span class="lang-switch" data-testid="lang-switch">
      {LANGS.map(([code, name]) => (
        <button type="button" key={code} class={lang.value === code ? 'active' : ''} aria-pressed={lang.value === code} onClick={() => setLang(code)}>
          {name}
        </button>
      ))}
    </span>
  );
}
