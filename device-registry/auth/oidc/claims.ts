// From the provider's claims (ID token, with userinfo added) to the person
// the gateway knows: user name, display name, role, scope and department.
// Pure: the routes log and refuse with what this says.
import { ALL_ROLES, type Role } from '../../schemas/common.ts';
import type { OidcConfig } from './config.ts';

export interface MappedIdentity {
  username: string;
  displayName: string;
  role: Role;
  /** Grid codes; null: everything (admins, or no scope claim configured). */
  scope: string[] | null;
  department: string | null;
}

export type ClaimMapping = { ok: true; identity: MappedIdentity } | { ok: false; reason: 'no_username' | 'no_role' | 'no_scope'; detail: string };

type Claims = Record<string, unknown>;

/** A claim read by name, also as a dotted path (Keycloak's `realm_access.roles`). */
function claim(claims: Claims, name: string): unknown {
  if (name in claims) return claims[name];
  let node: unknown = claims;
  for (const part of name.split('.')) {
    if (node === null || typeof node !== 'object' || !(part in node)) return undefined;
    node = (node as Claims)[part];
  }
  return node;
}

/** A claim's values as strings: a list, or one string (split by spaces or commas when `split`). */
function values(value: unknown, split: boolean): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v.length > 0);
  if (typeof value === 'string') return split ? value.split(/[\s,]+/).filter(Boolean) : value ? [value] : [];
  return [];
}

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() ? value.trim() : null);

export function roleFrom(config: Pick<OidcConfig, 'roleMap' | 'defaultRole'>, given: string[]): Role | null {
  const entries = Object.entries(config.roleMap);
  if (entries.length) {
    // The map's order decides between several matching values (the most trusted written first).
    for (const [value, role] of entries) if (given.includes(value)) return role;
  } else {
    for (const role of ALL_ROLES) if (given.includes(role)) return role;
  }
  return config.defaultRole;
}

export function mapClaims(config: Pick<OidcConfig, 'claims' | 'roleMap' | 'defaultRole'>, claims: Claims): ClaimMapping {
  const names = config.claims;
  const username = text(claim(claims, names.username));
  if (!username) return { ok: false, reason: 'no_username', detail: `the provider sent no '${names.username}' claim` };
  const roleValues = values(claim(claims, names.role), false);
  const role = roleFrom(config, roleValues);
  if (!role) {
    const seen = roleValues.length ? `its values (${roleValues.slice(0, 10).join(', ')}) map to no role` : 'it is absent';
    return { ok: false, reason: 'no_role', detail: `claim '${names.role}': ${seen}` };
  }
  let scope: string[] | null = null;
  if (names.scope && role !== 'admin') {
    scope = [...new Set(values(claim(claims, names.scope), true))];
    // An empty scope would be an account that sees nothing: refused with the reason instead.
    if (!scope.length) return { ok: false, reason: 'no_scope', detail: `claim '${names.scope}' names no grid cell` };
  }
  const displayName = (names.displayName && text(claim(claims, names.displayName))) || username;
  const department = names.department ? text(claim(claims, names.department)) : null;
  return { ok: true, identity: { username, displayName, role, scope, department } };
}
