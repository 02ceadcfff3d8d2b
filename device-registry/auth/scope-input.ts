// Checks a scope given for a user or an API key: grid codes that exist (each
// stands for its cell and every cell below it), none for an admin.
import { invalid } from '../errors.ts';
import type { Role } from '../schemas/common.ts';
import type { RegistryStore } from '../store/registry-store.ts';

/** The scope to store (codes deduplicated, in the order given), or a 400 on `field`. */
export async function checkScope(store: RegistryStore, scope: readonly string[] | null | undefined, role: Role, field = 'scope'): Promise<string[] | null> {
  if (scope == null) return null;
  if (role === 'admin') throw invalid([{ field, message: 'an admin\'s scope is always everything; leave it out (null)' }]);
  const codes = [...new Set(scope)];
  const found = await store.getMany('grids', codes);
  const unknown = codes.filter((c) => !found.has(c));
  if (unknown.length) throw invalid([{ field, message: `unknown grid code${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}` }]);
  return codes;
}
