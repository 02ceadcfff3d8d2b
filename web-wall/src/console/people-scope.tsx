// Picks a scope from the grid tree: the cells ticked, each meaning itself and
// every cell below it (a cell under a ticked one shows as included). Nothing
// ticked is everything (null), as the API reads it.
import { t } from '../i18n/index.ts';
import { gridLevelName } from '../i18n/vocabulary.ts';
import { grids } from '../store/registry.ts';
import type { Grid } from '../api/types.ts';
import './people-text.ts';

interface Props { value: string[] | null; onChange: (scope: string[] | null) => void }

export function ScopePicker({ value, onChange }: Props) {
  const picked = new Set(value ?? []);
  const known = new Set(grids.value.map((g) => g.code));
  const children = new Map<string | null, Grid[]>();
  for (const g of grids.value) {
    const parent = g.parentCode && known.has(g.parentCode) ? g.parentCode : null;
    children.set(parent, [...(children.get(parent) ?? []), g]);
  }
  const toggle = (code: string, on: boolean) => {
    const next = new Set(picked);
    if (on) next.add(code);
    else next.delete(code);
    onChange(next.size ? [...next] : null);
  };
  const branch = (parent: string | null, inherited: boolean): preact.JSX.Element | null => {
    const kids = [...(children.get(parent) ?? [])].sort((a, b) => a.code.localeCompare(b.code));
    if (!kids.length) return null;
    return (
      <ul>
        {kids.map((g) => {
          const on = picked.has(g.code);
          return (
            <li key={g.code}>
              <label class="inline">
                <input type="checkbox" name="scope" value={g.code} checked={on || inherited} disabled={inherited} onChange={(e) => toggle(g.code, e.currentTarget.checked)} />
                {g.name} <small class="muted">{gridLevelName(g.level)} · {g.code}</small>
                {inherited && <small class="muted"> {t('people.scope.included')}</small>}
              </label>
              {branch(g.code, inherited || on)}
            </li>
          );
        })}
      </ul>
    );
  };
  return <div class="scope-picker" data-testid="scope-picker">{branch(null, false)}</div>;
}

/** A scope as grid names (the code for a cell this list does not know). */
export function scopeNames(scope: string[] | null, names: Map<string, Grid>): string {
  return scope?.length ? scope.map((c) => names.get(c)?.name ?? c).join('、') : t('people.scopeAll');
}
