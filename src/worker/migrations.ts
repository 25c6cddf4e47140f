import type { Database } from 'sqlite-vec-wasm-demo';

/**
 * Versioned schema migrations, applied in order inside one transaction each and recorded in
 * `PRAGMA user_version`. Never edit a shipped migration: add the next one.
 *
 * Encryption at rest: columns holding user text or vectors store only AES-GCM ciphertext
 * (see docs/storage.md); plaintext search structures (vec0, FTS5) are built in memory at unlock.
 */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'kv',
    sql: `
      CREATE TABLE kv (
        key   TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
];

export function migrate(db: Database): number {
  const current = Number(db.selectValue('PRAGMA user_version') ?? 0);
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction((tx) => {
      tx.exec(m.sql);
      tx.exec(`PRAGMA user_version = ${m.version}`);
    });
  }
  return Number(db.selectValue('PRAGMA user_version') ?? 0);
}
