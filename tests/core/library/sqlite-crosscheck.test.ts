/**
 * Checks fuse.ts and quantize.ts against the SQLite build the worker ships (sqlite-vec-wasm-demo):
 * bm25Query's output must parse as an FTS5 query and match literally, and binaryCodes'
 * bytes must be the ones vec_quantize_binary gives. That build is made for browsers and workers only, so
 * it is loaded here under a worker-like disguise (Node's `process.versions.node` hidden during its
 * start-up, a WorkerGlobalScope stand-in, the wasm bytes handed over directly).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bm25Query } from '../../../src/core/library/fuse.ts';
import { binaryCodes } from '../../../src/core/library/quantize.ts';

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
  db.exec('CREATE VIRTUAL TABLE fts USING fts5(title, text)');
  const rows = [
    ['near', 'NEAR(a b) is FTS syntax, written here as text'],
    ['secret', 'title:secret looks like a column filter'],
    ['plain', 'an ordinary passage about encrypted libraries'],
    ['quote', 'she said "hello" and left'],
    ['caret', '^start and pre* and -minus and (parens)'],
  ];
  for (const [title, text] of rows) db.exec('INSERT INTO fts(title, text) VALUES (?, ?)', { bind: [title, text] });
});

const match = (q: string) => db.selectArrays('SELECT title FROM fts WHERE fts MATCH ? ORDER BY bm25(fts)', [q]).map((r) => r[0]);

describe('bm25Query in real FTS5', () => {
  it.each([
    'NEAR(a b)',
    'title:secret',
    '"hello',
    'hello"',
    '^start',
    'pre*',
    '-minus',
    '(parens',
    'a AND b OR NOT c',
    'col1 : col2 : {x y}',
    '* ^ : " ( ) - +',
    '\' ; DROP TABLE fts; --',
    'encrypted libraries',
  ])('%j parses and matches words literally', (input) => {
    const q = bm25Query(input);
    if (q === '') expect(input).not.toMatch(/[\p{L}\p{N}]/u); // nothing searchable: the caller skips the search
    else expect(() => match(q)).not.toThrow();
  });

  it('would catch raw user text (so the check above is real)', () => {
    expect(() => match('"hello')).toThrow();
    expect(() => match('(parens')).toThrow();
    expect(() => match('nosuchcolumn:x')).toThrow();
  });

  it('finds what the words say, not what the syntax would', () => {
    expect(match(bm25Query('title:secret'))).toContain('secret');
    expect(match(bm25Query('NEAR(a b)'))).toEqual(['near']);
    expect(match(bm25Query('"hello'))).toEqual(['quote']);
    expect(match(bm25Query('encrypted libraries'))).toEqual(['plain']);
    expect(db.selectValue('SELECT count(*) FROM fts')).toBe(5);
  });
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
