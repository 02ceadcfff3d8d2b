// The accounts part of the registry store: people (users), their sign-in
// sessions and the sign-in throttle. Both registry stores implement it
// (sqlite/account-tables.ts, postgres/account-tables.ts) and reach it as
// `store.accounts`; user changes write their audit entry in the same transaction.
import type { Role } from '../schemas/common.ts';
import type { AuditInput } from './registry-store.ts';

export interface UserRow {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  departmentId: string | null;
  /** Grid codes (each with every cell below it); null: everything. */
  scope: string[] | null;
  source: 'local' | 'oidc';
  /** For source 'oidc': the identity provider and the user's subject there. */
  issuer: string | null;
  subject: string | null;
  /** `scrypt$N$r$p$salt$hash`; null for users who sign in elsewhere (oidc). */
  passwordHash: string | null;
  mustChangePassword: boolean;
  disabled: boolean;
  version: number;
  createdAt: number;
  updatedAt: number;
  lastSignInAt: number | null;
}

export interface SessionRow {
  /** SHA-256 of the cookie value; the value itself is never stored. */
  idHash: string;
  /** A public handle (URL tokens name it); it cannot be used as a cookie. */
  ref: string;
  userId: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  /** The absolute end (a shift), whatever the activity. */
  expiresAt: number;
  address: string | null;
}

export interface ThrottleRow {
  key: string;
  failures: number;
  lockedUntil: number | null;
  lastFailureAt: number;
}

/** Which sessions a user change ends in its transaction: all, or all but one (the caller's). */
export type EndSessions = { all: true } | { except: string };

export interface AccountStore {
  /** Conflict on `username` (case-insensitive) or on the (issuer, subject) pair. */
  insertUser(user: UserRow, audit: AuditInput): Promise<void>;
  /** Writes the row if it is still at `expectedVersion` (version moves on by one), optionally ending sessions. */
  updateUser(user: UserRow, expectedVersion: number, audit: AuditInput | null, end?: EndSessions): Promise<UserRow>;
  deleteUser(id: string, expectedVersion: number, audit: AuditInput): Promise<void>;
  getUser(id: string): Promise<UserRow | undefined>;
  findUserByUsername(username: string): Promise<UserRow | undefined>;
  findUserBySubject(issuer: string, subject: string): Promise<UserRow | undefined>;
  listUsers(): Promise<UserRow[]>;
  countActiveAdminUsers(): Promise<number>;
  /** The last sign-in time; not a change to the person, so not audited. */
  recordSignIn(userId: string, at: number): Promise<void>;

  insertSession(session: SessionRow): Promise<void>;
  findSession(idHash: string): Promise<SessionRow | undefined>;
  findSessionByRef(ref: string): Promise<SessionRow | undefined>;
  touchSession(idHash: string, at: number): Promise<void>;
  deleteSession(idHash: string): Promise<boolean>;
  /** Ends every session of the user (but `exceptIdHash`); returns how many. */
  deleteUserSessions(userId: string, exceptIdHash?: string): Promise<number>;
  /** Removes sessions idle since before `idleBefore` or past their absolute end. */
  deleteExpiredSessions(idleBefore: number, now: number): Promise<number>;

  getThrottle(key: string): Promise<ThrottleRow | undefined>;
  /** Counts one failure (starting again at 1 when the last one was before `resetBefore`); returns the count. */
  recordFailure(key: string, at: number, resetBefore: number): Promise<number>;
  setLockedUntil(key: string, until: number): Promise<void>;
  clearThrottle(key: string): Promise<void>;
  /** Forgets counters with no failure since `before` and no lock still running at `now` (guessed names must not pile up). */
  pruneThrottle(before: number, now: number): Promise<number>;
}
