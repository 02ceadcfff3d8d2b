// Finds, once, a system font with CJK glyphs for labels such as 人员 or 车辆,
// which the built-in pixel font cannot draw. sharp renders SVG <text> through
// fontconfig, so the font is asked of fontconfig (`fc-list :lang=zh`). Without
// one, labels fall back to the pixel font, where such characters become `?`.
import { execFileSync } from 'node:child_process';

/** Preferred families, best first; any other family fontconfig lists for zh comes after. */
const PREFERRED = ['Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'WenQuanYi Zen Hei', 'WenQuanYi Micro Hei', 'Noto Serif CJK SC'];

export type CjkFont = { family: string } | { family: undefined; problem: string };

let found: CjkFont | undefined;

export function listCjkFamilies(): string[] {
  const out = execFileSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
  // one font per line, its family names comma-separated ("Noto Sans CJK SC,Noto Sans CJK SC Regular")
  return [...new Set(out.split('\n').flatMap((line) => line.split(',')).map((f) => f.trim()).filter(Boolean))];
}

/** The CJK font family labels use, or why there is none (asked once per process). */
export function cjkFont(): CjkFont {
  if (found) return found;
  try {
    const families = listCjkFamilies();
    const family = PREFERRED.find((f) => families.includes(f)) ?? families.sort()[0];
    found = family ? { family } : { family: undefined, problem: 'fontconfig lists no font with Chinese glyphs (install fonts-noto-cjk); labels such as 人员 are drawn as ?' };
  } catch (err) {
    found = { family: undefined, problem: `fontconfig could not be asked for a Chinese font (${(err as Error).message.split('\n')[0]}); labels such as 人员 are drawn as ?` };
  }
  return found;
}
