// The people side of the API as the wall sees it (device-registry/schemas/user.ts,
// api-key.ts): a person, who is signing in, and machines' API keys.
import type { Role } from '../api/types.ts';

export interface User {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  department: string | null;
  /** Grid codes, each with every cell below it; null: everything. */
  scope: string[] | null;
  source: 'local' | 'oidc';
  disabled: boolean;
  mustChangePassword: boolean;
  createdAt: string;
  lastSignInAt: string | null;
}

/** GET /api/auth/me: the signed-in person (with the CSRF token), or the API key. */
export interface AuthMe {
  via: 'session' | 'key';
  user: User | null;
  key?: { id: string; name: string; role: Role; scope: string[] | null };
  csrfToken?: string;
}

export interface SignedIn { user: User; csrfToken: string }

/** A user created or reset: the temporary password is in this answer only. */
export interface UserWithPassword { user: User; temporaryPassword?: string }

export interface ApiKeyInfo {
  id: string;
  name: string;
  role: Role;
  scope: string[] | null;
  createdAt: string;
  createdBy: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
export interface CreatedApiKey extends ApiKeyInfo { secret: string }

/** GET /api/auth/config: whether the sign-in page offers single sign-on. */
export interface AuthConfig { oidc: { enabled: boolean; label: string | null; loginUrl: string | null } }
