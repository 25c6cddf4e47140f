import { describe, it, expect } from 'vitest';
import { KeywordIndex, termsOf, foldTerm } from '../../../src/core/library/keyword-index.ts';
import { mulberry32 } from '../../helpers/prng.ts';

/** A library-like index: `docs` documents of `chunks` chunks, ids doc * 1000 + chunk. */
function corpus(seed: number, docs: number, chunks: number): Array<[number, string]> {
  const rand = mulberry32(seed);
  const vocab = Array.from({ length: 400 }, (_, i) => `t${i.toString(36)}`);
  const rows: Array<[number, string]> = [];
  for (let d = 1; d <= docs; d++) {
    for (let c = 0; c < chunks; c++) rows.push([d * 1000 + c, Array.from({ length: 5 + Math.floor(rand() * 80) }, () => vocab[Math.floor(vocab.length * rand() ** 2)]).join(' ')]);
  }
  return rows;
}

function build(rows: Array<[number, string]>): KeywordIndex {
  const ix = new KeywordIndex();
  for (const [id, text] of rows) ix.add(id, text);
  return ix;
}

const QUERIES = [['t0'], ['t1', 't2', 't3'], ['t9', 'ta', 'tz'], ['t5a'], ['nothing'], ['t0', 't1', 't2', 't3', 't4', 't5']];

describe('termsOf', () => {
  it('cuts text as queryTerms does and folds case, width and diacritics', () => {
    expect(termsOf('Café, CAFE; café… naïve ﬁle Ｆｕｌｌ straße x²')).toEqual(['cafe', 'cafe', 'cafe', 'naive', 'file', 'full', 'straße', 'x2']);
    expect(termsOf('rock’n’roll e-mail 3.14')).toEqual(['rock', 'n', 'roll', 'e', 'mail', '3', '14']);
    expect(termsOf('東京 hello')).toEqual(['東京', 'hello']);
    // ASCII text takes a shorter path: the same terms as when one accent sends it the long way.
    expect(termsOf('Hello, WORLD_42 x-y')).toEqual(termsOf('Hello, WORLD_42 x-y é').slice(0, -1));
  });

  it('keeps a term made only of marks as it is, and cuts terms at 64 characters', () => {
    expect(foldTerm('\u0301\u0301')).toBe('\u0301\u0301');
    expect(termsOf('a'.repeat(100))).toEqual(['a'.repeat(64)]);
  });
});

describe('KeywordIndex', () => {
  it('finds every row holding a term, best first, k at most', () => {
    const ix = build([
      [1, 'the river stone'],
      [2, 'river river river'],
      [3, 'a garden in winter'],
      [4, 'Rivers are not river stones'],
    ]);
    const got = ix.search(['river'], 10);
    expect(got.map(([id]) => id)).toEqual([2, 1, 4]);
    expect(got.every(([, s]) => s > 0)).toBe(true);
    expect(ix.search(['river'], 1).map(([id]) => id)).toEqual([2]);
    expect(ix.search(['RIVER', 'river'], 10)).toEqual(got); // a term counts once
    expect(ix.search(['nowhere'], 10)).toEqual([]);
    expect(ix.search([], 10)).toEqual([]);
    expect(ix.size).toBe(4);
  });

  it('searches within ranges only, with the whole index\'s term statistics', () => {
    const rows = corpus(1, 20, 30);
    const ix = build(rows);
    const all = ix.search(['t1', 't2'], 1000);
    const inDoc3 = ix.search(['t1', 't2'], 1000, [{ lo: 3000, hi: 3999 }]);
    expect(inDoc3.length).toBeGreaterThan(0);
    expect(inDoc3).toEqual(all.filter(([id]) => id >= 3000 && id <= 3999));
    const two = ix.search(['t1'], 1000, [{ lo: 3000, hi: 3999 }, { lo: 7000, hi: 7999 }]);
    expect(two.every(([id]) => Math.floor(id / 1000) === 3 || Math.floor(id / 1000) === 7)).toBe(true);
  });

  it('scores removed rows out, whether or not they are compacted yet', () => {
    const rows = corpus(2, 40, 25);
    for (const removed of [[5], [1, 2, 3, 4, 5, 6, 7]]) {
      // One document of 40 leaves dead rows behind; seven pass the compaction threshold (an eighth).
      const ix = build(rows);
      for (const d of removed) ix.removeRange(d * 1000, d * 1000 + 999);
      const fresh = build(rows.filter(([id]) => !removed.includes(Math.floor(id / 1000))));
      expect(ix.size).toBe(fresh.size);
      for (const q of QUERIES) {
        const got = ix.search(q, 50);
        const want = fresh.search(q, 50);
        expect(got.map(([id]) => id)).toEqual(want.map(([id]) => id));
        got.forEach(([, s], i) => expect(s).toBeCloseTo(want[i]![1], 9));
      }
    }
  });

  it('drops the words of removed documents once compacted', () => {
    const ix = build([
      [1000, 'secret plan'],
      [2000, 'public notes'],
    ]);
    ix.removeRange(1000, 1999);
    expect(ix.search(['secret'], 10)).toEqual([]);
    const back = KeywordIndex.deserialize(ix.serialize());
    expect(back.hasTerm('secret')).toBe(false);
    expect(back.hasTerm('Public')).toBe(true);
  });

  it('gives the same results across folding pending rows in, as one built in one go', () => {
    // Enough rows that postings added later are folded into the byte array several times.
    const rows = corpus(3, 60, 100);
    const ix = build(rows);
    const reference = new KeywordIndex();
    rows.forEach(([id, text]) => reference.add(id, text));
    const back = KeywordIndex.deserialize(ix.serialize());
    for (const q of QUERIES) expect(back.search(q, 30)).toEqual(ix.search(q, 30));
  });

  it('round-trips through bytes, and keeps working after (adds, removes)', () => {
    const rows = corpus(4, 30, 20);
    const ix = build(rows.slice(0, 400));
    const back = KeywordIndex.deserialize(ix.serialize());
    for (const q of QUERIES) expect(back.search(q, 20)).toEqual(ix.search(q, 20));
    for (const [id, text] of rows.slice(400)) back.add(id, text);
    back.removeRange(2000, 2999);
    const want = build(rows.filter(([id]) => Math.floor(id / 1000) !== 2));
    for (const q of QUERIES) expect(back.search(q, 20).map(([id]) => id)).toEqual(want.search(q, 20).map(([id]) => id));
  });

  it('refuses bytes that are not a whole index, saying what is wrong', () => {
    const bytes = build(corpus(5, 5, 10)).serialize();
    expect(() => KeywordIndex.deserialize(new Uint8Array([0x53, 0x51, 0x4c, 0x69, 0x74, 0x65]))).toThrow(/keyword index snapshot: not a keyword index \(bad magic\)/);
    for (const cut of [8, 17, 100, bytes.length - 9, bytes.length - 1]) {
      expect(() => KeywordIndex.deserialize(bytes.subarray(0, cut)), `cut at ${cut}`).toThrow(/keyword index snapshot: .*truncated/);
    }
    const bad = bytes.slice();
    new DataView(bad.buffer).setUint32(12, 5, true); // postings length
    expect(() => KeywordIndex.deserialize(bad)).toThrow(/keyword index snapshot: postings offsets end at \d+, want 5/);
  });
});
