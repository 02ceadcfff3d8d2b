// The recording index in a SQLite file (the default): recordings.db in the data dir.
import Database from 'better-sqlite3';
import { migrate, openDatabase, type Migration } from '../../../device-registry/index.ts';
import { EXPORTS_SCHEMA_V1 } from './export-jobs.ts';
import { INDEX_SCHEMA_V1, SqlRecordingIndex } from './sql-index.ts';

export const SQLITE_MIGRATIONS: Migration[] = [{ version: 1, name: 'segments and holds', sql: INDEX_SCHEMA_V1 }, { version: 2, name: 'export jobs', sql: EXPORTS_SCHEMA_V1 }];

export function openSqliteIndex(file: string): SqlRecordingIndex {
  const db = openDatabase(Database, file);
  migrate(db, SQLITE_MIGRATIONS, 'recording index');
  const statements = new Map<string, Database.Statement>();
  const prepared = (sql: string) => {
    let s = statements.get(sql);
    if (!s) statements.set(sql, (s = db.prepare(sql)));
    return s;
  };
  return new SqlRecordingIndex(`SQLite at ${file}`, {
    all: async (sql, params) => prepared(sql).all(...params) as Array<Record<string, unknown>>,
    run: async (sql, params) => prepared(sql).run(...params).changes,
    close: async () => void db.close(),
  });
}
