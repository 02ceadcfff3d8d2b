// Applies versioned migrations to a SQLite file, each in its own transaction,
// and refuses a file that a newer release has already migrated further.
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Returns the schema version the file is at afterwards. */
export function migrate(db: Database.Database, migrations: readonly Migration[], what: string): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const current = (db.prepare('SELECT COALESCE(MAX(version), 0) v FROM schema_migrations').get() as { v: number }).v;
  const latest = migrations[migrations.length - 1]!.version;
  if (current > latest) {
    throw new Error(`the ${what} database is at schema version ${current}, newer than this gateway knows (${latest}); upgrade the gateway`);
  }
  for (const m of migrations.filter((m) => m.version > current)) {
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
    })();
  }
  return Math.max(current, latest);
}

/** Opens a SQLite file the way every store here wants it: WAL, foreign keys, a busy timeout. */
export function openDatabase(DatabaseClass: typeof Database, file: string): Database.Database {
  const db = new DatabaseClass(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL'); // a commit survives a process crash (kill -9); only power loss can take the last ones
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}
