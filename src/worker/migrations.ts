import type { Database } from 'sqlite-vec-wasm-demo';

/**
 * Versioned schema migrations, applied in order inside one transaction each and recorded in
 * `PRAGMA user_version`. Never edit a shipped migration: add the next one.
 *
 * Encryption at rest: columns holding user text or vectors store only AES-GCM ciphertext
 * (see docs/storage.md); plaintext search structures live in memory while unlocked, the
 * keyword index opened from its sealed snapshot (migration 3) or rebuilt from the documents.
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
  {
    version: 2,
    name: 'encrypted library',
    // One row per document. Everything a person wrote or read is a sealed BLOB (AES-256-GCM,
    // additional data binding it to this table, column and row: src/core/crypto/seal.ts).
    // In clear: kind, times, sizes, counts and the embedding model's name (docs/storage.md).
    // `chunks` is a sealed JSON list of [start, end, headingPath] offsets into `body`; `vectors`
    // is one sealed segment holding every chunk vector of the document (one WebCrypto call).
    sql: `
      CREATE TABLE keyring (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        record     TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE documents (
        id          INTEGER PRIMARY KEY,
        kind        TEXT NOT NULL CHECK (kind IN ('page', 'selection', 'file')),
        created_at  INTEGER NOT NULL,
        text_bytes  INTEGER NOT NULL,
        chunk_count INTEGER NOT NULL,
        model_id    TEXT NOT NULL,
        dims        INTEGER NOT NULL,
        meta        BLOB NOT NULL,
        body        BLOB NOT NULL,
        chunks      BLOB NOT NULL,
        vectors     BLOB NOT NULL
      ) STRICT;
      CREATE TABLE conversations (
        id         INTEGER PRIMARY KEY,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        body       BLOB NOT NULL
      ) STRICT;
      CREATE TABLE secrets (
        name  TEXT PRIMARY KEY NOT NULL,
        value BLOB NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: 'index snapshot',
    // The in-memory search index of saved documents (FTS5 + vec0 1-bit codes), exported and
    // sealed under the data key (AAD binds it to its fingerprint), so unlocking does not rebuild
    // it. A cache: missing, stale (fingerprint differs) or damaged, it is rebuilt from `documents`.
    sql: `
      CREATE TABLE index_snapshot (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        fingerprint TEXT NOT NULL,
        data        BLOB NOT NULL,
        created_at  INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 4,
    name: 'index snapshot in parts',
    // The snapshot as several sealed rows of at most 4 MiB (worker/library/snapshot.ts), so SQLite
    // never holds all of it in its heap at once. The old one-row snapshot is dropped: it is a
    // cache, rebuilt and written anew at the next unlock.
    sql: `
      DROP TABLE index_snapshot;
      CREATE TABLE index_snapshot (
        part        INTEGER PRIMARY KEY CHECK (part >= 0),
        parts       INTEGER NOT NULL CHECK (parts > part),
        fingerprint TEXT NOT NULL,
        data        BLOB NOT NULL,
        created_at  INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 5,
    name: 'sealed values IVs',
    // The index snapshot's fingerprint covers the IVs (format byte and 12-byte IV: a sealed
    // value's first 13 bytes) of each document's body, chunks and vectors. Taken with substr()
    // from the documents, that read every sealed value whole (substr() on a BLOB loads it all):
    // ~0.1 s of every unlock and snapshot write at 100k chunks. Triggers keep this copy, so no
    // writer can leave it behind; the IVs are in clear in the sealed values anyway.
    sql: `
      CREATE TABLE document_ivs (
        id      INTEGER PRIMARY KEY,
        body    BLOB NOT NULL,
        chunks  BLOB NOT NULL,
        vectors BLOB NOT NULL
      ) STRICT;
      INSERT INTO document_ivs SELECT id, substr(body, 1, 13), substr(chunks, 1, 13), substr(vectors, 1, 13) FROM documents;
      CREATE TRIGGER document_ivs_insert AFTER INSERT ON documents BEGIN
        INSERT OR REPLACE INTO document_ivs VALUES (NEW.id, substr(NEW.body, 1, 13), substr(NEW.chunks, 1, 13), substr(NEW.vectors, 1, 13));
      END;
      CREATE TRIGGER document_ivs_update AFTER UPDATE OF id, body, chunks, vectors ON documents BEGIN
        DELETE FROM document_ivs WHERE id = OLD.id;
        INSERT OR REPLACE INTO document_ivs VALUES (NEW.id, substr(NEW.body, 1, 13), substr(NEW.chunks, 1, 13), substr(NEW.vectors, 1, 13));
      END;
      CREATE TRIGGER document_ivs_delete AFTER DELETE ON documents BEGIN
        DELETE FROM document_ivs WHERE id = OLD.id;
      END;
    `,
  },
  {
    version: 6,
    name: 'chunk texts',
    // A document's text again, sealed a few chunks at a time (library/chunk-texts.ts), so a search
    // opens only the passages it shows instead of keeping every text decrypted in memory (90 MB
    // at 100k chunks). Keyed by the segment's first chunk id (docId · 2^20 + ordinal). Filled as
    // documents are saved, and for older ones the first time one is needed. Re-chunking or
    // deleting a document drops its segments, so none can outlive the chunks they were cut from.
    sql: `
      CREATE TABLE chunk_texts (
        id     INTEGER PRIMARY KEY,
        sealed BLOB NOT NULL
      ) STRICT;
      CREATE TRIGGER chunk_texts_update AFTER UPDATE OF id, chunks ON documents BEGIN
        DELETE FROM chunk_texts WHERE id BETWEEN OLD.id * 1048576 AND OLD.id * 1048576 + 1048575;
      END;
      CREATE TRIGGER chunk_texts_delete AFTER DELETE ON documents BEGIN
        DELETE FROM chunk_texts WHERE id BETWEEN OLD.id * 1048576 AND OLD.id * 1048576 + 1048575;
      END;
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
