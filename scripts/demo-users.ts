// The demo's people, so a newcomer can sign in to the wall in each role: made
// on the demo's first start with random passwords printed once (the admin user
// is the gateway's own first admin, printed by the gateway just before).
import type { Writable } from 'node:stream';
import type { RegistryStore } from '../device-registry/index.ts';
import { temporaryPassword } from '../device-registry/auth/passwords.ts';
import type { Users } from '../device-registry/auth/users.ts';

const DEMO_ACTOR = { keyId: null, name: 'demo', role: null };

/** One of each role, and a street operator scoped to 东门街道 (310101001) of configs/demo.yaml. */
const DEMO_USERS = [
  { username: 'engineer', displayName: '工程师 (demo)', role: 'engineer', department: null, scope: null },
  { username: 'operator', displayName: '值班员 (demo)', role: 'operator', department: null, scope: null },
  { username: 'dispatcher', displayName: '调度员 (demo)', role: 'dispatcher', department: 'dept-cg', scope: null },
  { username: 'operator-east', displayName: '东门街道值班员 (demo)', role: 'operator', department: null, scope: ['310101001'] },
] as const;

export async function createDemoUsers(users: Users, store: RegistryStore, out: Writable): Promise<void> {
  const made: string[] = [];
  for (const u of DEMO_USERS) {
    if (await store.accounts.findUserByUsername(u.username)) continue;
    const password = temporaryPassword();
    await users.create({ ...u, scope: u.scope ? [...u.scope] : null, password }, DEMO_ACTOR, { mustChangePassword: false });
    made.push(`   ${u.username.padEnd(14)} ${password}   ${u.role}${u.scope ? ` (only ${u.scope.join(', ')} 东门街道)` : ''}`);
  }
  if (!made.length) return;
  out.write(['', '================================================================', ' Demo people (sign in to the wall); passwords shown only once:', ...made,
    '================================================================', ''].join('\n'));
}
