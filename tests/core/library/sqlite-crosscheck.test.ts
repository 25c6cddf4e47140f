/**
 * Checks keyword-index.ts and quantize.ts against the SQLite build the worker ships
 * (sqlite-vec-wasm-demo): the keyword index must rank with FTS5's BM25 scores, and binaryCodes'
 * bytes must be the ones vec_quantize_binary gives. That build is made for browsers and workers only, so
 * it is loaded here under a worker-like disguise (Node's `process.versions.node` hidden during its
 * start-up, a WorkerGlobalScope stand-in, the wasm bytes handed over directly).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { binaryCodes } from '../../../src/core/library/quantize.ts';
import { KeywordIndex } from '../../../src/core/library/keyword-index.ts';
import { queryTerms } from '../../../src/core/library/fuse.ts';
import { mulberry32 } from '../../helpers/prng.ts';

interface Db {
  exec(sql: string, opts?: { bind?: unknown[] }): void;
  selectValue(sql: string, bind?: unknown[]): unknown;
  selectArrays(sql: string, bind?: unknown[]): unknown[][];
}

let db: Db;

beforeAll(async () => {
  const dir = fileURLToPath(new URL('../../../node_modules/sqlite-vec-wasm-demo/', import.meta.url));
  const g = globalThis as Record<string, unknown>;
  const versions = Object.getOwnPropertyDescriptor(process, 'versions')!;
  const hadScope = 'WorkerGlobalScope' in g;
  const hadSelf = 'self' in g;
  if (!hadScope) g.WorkerGlobalScope = function WorkerGlobalScope() {};
  if (!hadSelf) g.self = { location: { href: `file://${dir}sqlite3.mjs` } };
  Object.defineProperty(process, 'versions', { ...versions, value: { ...process.versions, node: undefined } });
  try {
    const { default: init } = (await import(`${dir}sqlite3.mjs`)) as { default: (o: object) => Promise<{ oo1: { DB: new (name: string) => Db } }> };
    const sqlite3 = await init({ wasmBinary: readFileSync(`${dir}sqlite3.wasm`), print: () => {}, printErr: () => {} });
    db = new sqlite3.oo1.DB(':memory:');
  } finally {
    Object.defineProperty(process, 'versions', versions);
    if (!hadScope) delete g.WorkerGlobalScope;
    if (!hadSelf) delete g.self;
  }
});

describe('binaryCodes against vec_quantize_binary', () => {
  it('gives the same bytes for random vectors', () => {
    let s = 7;
    for (let t = 0; t < 20; t++) {
      const dims = 8 * (1 + (t % 48));
      const v = Array.from({ length: dims }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 31 - 1));
      if (t === 0) v.fill(0);
      const want = db.selectValue('SELECT vec_quantize_binary(?)', [JSON.stringify(v)]) as Uint8Array;
      const words = binaryCodes(new Float32Array(v), dims); // little-endian words: sqlite-vec's bytes, then zero padding
      expect(new Uint8Array(words.buffer, 0, dims / 8)).toEqual(new Uint8Array(want));
      expect(new Uint8Array(words.buffer, dims / 8).every((b) => b === 0)).toBe(true);
    }
  });
});

describe('KeywordIndex against FTS5', () => {
  it('ranks every matching row with the same BM25 scores as bm25() (unicode61, remove_diacritics 2)', () => {
    // The index replaced FTS5 in the keyword thread (issue #12): its scores must be FTS5's.
    db.exec("CREATE VIRTUAL TABLE kw USING fts5(text, tokenize='unicode61 remove_diacritics 2')");
    const rand = mulberry32(12);
    const vocab = Array.from({ length: 300 }, (_, i) => `w${i.toString(36)}`).concat(['café', 'Cafe', 'naïve', 'ÉCOLE', 'école', 'straße']);
    const ix = new KeywordIndex();
    for (let id = 1; id <= 1500; id++) {
      const n = 3 + Math.floor(rand() * 60);
      // Zipf-like: low indexes are common, so some terms match most rows and some a few.
      const text = Array.from({ length: n }, () => vocab[Math.floor(vocab.length * rand() ** 3)]).join(rand() < 0.5 ? ' ' : ', ');
      db.exec('INSERT INTO kw(rowid, text) VALUES (?, ?)', { bind: [id, text] });
      ix.add(id, text);
    }
    for (let id = 100; id <= 180; id++) db.exec('DELETE FROM kw WHERE rowid = ?', { bind: [id] });
    ix.removeRange(100, 180);
    for (const q of ['w0', 'w1 w2 w3', 'wa wb', 'cafe', 'Café école', 'naive straße', 'w5 w0 wz w1a', 'nothing here']) {
      const terms = queryTerms(q);
      const expr = terms.map((t) => `"${t}"`).join(' OR ');
      const want = db.selectArrays('SELECT rowid, -bm25(kw) FROM kw WHERE kw MATCH ? ORDER BY bm25(kw), rowid', [expr]).map(([id, s]) => [Number(id), Number(s)] as const);
      const got = ix.search(terms, 10_000);
      expect(got.map(([id]) => id).sort((a, b) => a - b), q).toEqual(want.map(([id]) => id).sort((a, b) => a - b));
      const score = new Map(want);
      for (const [id, s] of got) expect(s, `${q}: row ${id}`).toBeCloseTo(score.get(id)!, 9);
    }
  });
});
