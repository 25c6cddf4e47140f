import { describe, it, expect } from 'vitest';
import {
  fuseRrf,
  RRF_K,
  dropNearDuplicates,
  jaccardSorted,
  shingleHashes,
  textShingles,
  normalizeForDedupe,
  isNearDuplicate,
  dropNearDuplicateVectors,
  normalizePageUrl,
  filterByScope,
  queryTerms,
  MAX_QUERY_TERMS,
} from '../../../src/core/library/fuse.ts';

describe('fuseRrf (k = 60)', () => {
  it('scores 1/(k + rank) summed over lists, hand-computed', () => {
    const fused = fuseRrf([
      ['a', 'b', 'c'],
      ['c', 'a', 'd'],
    ]);
    expect(fused.map((f) => f.id)).toEqual(['a', 'c', 'b', 'd']);
    expect(fused[0]!.score).toBeCloseTo(1 / 61 + 1 / 62, 12);
    expect(fused[1]!.score).toBeCloseTo(1 / 63 + 1 / 61, 12);
    expect(fused[2]!.score).toBeCloseTo(1 / 62, 12);
    expect(fused[3]!.score).toBeCloseTo(1 / 63, 12);
    expect(fused[0]!.ranks).toEqual([1, 2]);
    expect(fused[3]!.ranks).toEqual([null, 3]);
    expect(RRF_K).toBe(60);
  });

  it('lets agreement between lists beat one list’s first place', () => {
    const fused = fuseRrf([
      [1, 2, 3, 4, 5],
      [9, 8, 7, 2, 6],
    ]);
    // 2: 1/62 + 1/64 = 0.03175 beats 1: 1/61 = 0.01639 and 9: 1/61
    expect(fused[0]!.id).toBe(2);
  });

  it('breaks ties by best rank, then by earlier list; a repeated id keeps its first rank', () => {
    expect(fuseRrf([['x'], ['y']]).map((f) => f.id)).toEqual(['x', 'y']);
    const dup = fuseRrf([['a', 'b', 'a']]);
    expect(dup.map((f) => [f.id, f.ranks[0]])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(fuseRrf([])).toEqual([]);
    expect(fuseRrf([[], []])).toEqual([]);
  });

  it('with k = 0 is plain reciprocal rank', () => {
    const fused = fuseRrf([['a', 'b']], 0);
    expect(fused.map((f) => f.score)).toEqual([1, 0.5]);
  });
});

describe('near-duplicates', () => {
  it('drop later copies that differ only in case, spacing or punctuation', () => {
    const items = [
      { id: 1, text: 'The library keeps your pages private, and answers cite passages.' },
      { id: 2, text: 'the LIBRARY keeps your pages private -- and answers cite passages' },
      { id: 3, text: 'Something else entirely about vectors and fusion of ranked lists.' },
      { id: 4, text: 'The library keeps your pages private, and answers cite passages. Extra.' },
    ];
    expect(dropNearDuplicates(items, (x) => x.text).map((x) => x.id)).toEqual([1, 3]);
  });

  it('keep texts that share a little', () => {
    const a = 'alpha beta gamma delta epsilon zeta eta theta iota kappa';
    const b = 'alpha beta gamma delta epsilon lambda mu nu xi omicron';
    expect(dropNearDuplicates([a, b], (x) => x)).toEqual([a, b]);
    expect(dropNearDuplicates(['ok', 'ok', 'fine'], (x) => x)).toEqual(['ok', 'fine']);
  });

  it('compare hashed shingles as the words themselves would compare', () => {
    const words = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `w${from + i}`).join(' ');
    // 20 words vs the same with the last 2 changed: 16 of 20 shingles shared of 18 + 18 − 16.
    const a = shingleHashes(words(20));
    const b = shingleHashes(`${words(18)} x y`);
    expect(a.length).toBe(18);
    expect(jaccardSorted(a, b)).toBeCloseTo(16 / 20, 10);
    expect(jaccardSorted(a, a)).toBe(1);
    expect(jaccardSorted(shingleHashes(''), shingleHashes(''))).toBe(1);
    // Repeated shingles count once; short texts compare whole.
    expect(shingleHashes('a b c a b c a b c').length).toBe(3);
    expect(jaccardSorted(shingleHashes('ok'), shingleHashes('ok'))).toBe(1);
    expect(jaccardSorted(shingleHashes('a b'), shingleHashes('b a'))).toBe(0);
  });

  it('hash raw text exactly as they hash it normalized (the one-pass path for ASCII text, and the rest)', () => {
    const texts = [
      '',
      '   ',
      '--!',
      'ok',
      'Two Words.',
      '  Leading and trailing separators, COMMAS; digits 42 and x9y!  ',
      'The library keeps your pages private -- and answers cite passages',
      'tab\tand\nnewline\r\nruns___of_underscores (and brackets) [1] {2}',
      'Ünïcödé wörds: ﬁne ligatures and full-width ＡＢＣ１２３ fold under NFKC',
      'Mixed ascii and 日本語のテキスト with émigré',
    ];
    for (const t of texts) expect([...textShingles(t)], JSON.stringify(t)).toEqual([...shingleHashes(normalizeForDedupe(t))]);
  });

  it('stop comparing early only when the threshold is out of reach (same answer as the full Jaccard)', () => {
    const words = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `w${from + i}`).join(' ');
    const a = shingleHashes(words(20));
    const exactly = shingleHashes(`${words(18)} x y`); // Jaccard exactly 0.8
    expect(isNearDuplicate(a, exactly, 0.8)).toBe(true);
    expect(isNearDuplicate(a, exactly, 0.8000001)).toBe(false);
    expect(isNearDuplicate(new Uint32Array(0), new Uint32Array(0), 0.8)).toBe(true);
    expect(isNearDuplicate(new Uint32Array(0), a, 0.8)).toBe(false);
    // Random pairs sharing from none to all of their words, at several thresholds.
    let seed = 7;
    const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    for (let round = 0; round < 300; round++) {
      const base = Array.from({ length: 5 + rnd(60) }, () => `v${rnd(40)}`);
      const other = base.map((w) => (rnd(10) < round % 11 ? `u${rnd(40)}` : w));
      if (rnd(2)) other.splice(rnd(other.length), rnd(5));
      const [x, y] = [shingleHashes(base.join(' ')), shingleHashes(other.join(' '))];
      for (const t of [0.3, 0.5, 0.8, 0.95]) expect(isNearDuplicate(x, y, t)).toBe(jaccardSorted(x, y) >= t);
    }
  });

  it('by vectors: cosine at or above the threshold is a duplicate', () => {
    const v = (...x: number[]) => new Float32Array(x);
    const items = [v(1, 0, 0), v(0.99, 0.01, 0), v(0, 1, 0), v(0, 0, 0)];
    expect(dropNearDuplicateVectors(items, (x) => x)).toEqual([items[0], items[2], items[3]]);
  });
});

describe('scope filters', () => {
  it('normalize page URLs for "this page only"', () => {
    expect(normalizePageUrl('HTTPS://Example.COM:443/a/b/?utm_source=x&q=1&fbclid=z#frag')).toBe('https://example.com/a/b?q=1');
    expect(normalizePageUrl('https://example.com/')).toBe('https://example.com/');
    expect(normalizePageUrl('not a url')).toBeNull();
  });

  it('filter by document ids and by page', () => {
    const hits = [
      { docId: 1, url: 'https://a.example/page#one' },
      { docId: 2, url: 'https://a.example/page?utm_medium=mail' },
      { docId: 3, url: 'https://b.example/' },
      { docId: 4, url: null },
    ];
    expect(filterByScope(hits, { docIds: [1, 3] }).map((h) => h.docId)).toEqual([1, 3]);
    expect(filterByScope(hits, { docIds: new Set([4]) }).map((h) => h.docId)).toEqual([4]);
    expect(filterByScope(hits, { url: 'https://a.example/page/' }).map((h) => h.docId)).toEqual([1, 2]);
    expect(filterByScope(hits, { url: 'https://a.example/page', docIds: [2, 3] }).map((h) => h.docId)).toEqual([2]);
    expect(filterByScope(hits, { url: 'garbage' })).toEqual([]);
    expect(filterByScope(hits, {})).toHaveLength(4);
  });
});

describe('queryTerms', () => {
  it('cuts text into words, in order', () => {
    expect(queryTerms('encrypted library search')).toEqual(['encrypted', 'library', 'search']);
  });

  it.each([
    ['"', []],
    ['*', []],
    ['NEAR(x y, 3)', ['near', 'x', 'y', '3']],
    ['( ) : ^ -', []],
    ['title:secret', ['title', 'secret']],
    ['^start pre* -excluded +plus', ['start', 'pre', 'excluded', 'plus']],
    ['a AND b OR c NOT d', ['b', 'c', 'd']],
    ['"unbalanced quote', ['unbalanced', 'quote']],
    ['{col1 col2}: x', ['col1', 'col2', 'x']],
  ])('keeps only the words of %j, never its punctuation', (input, want) => {
    expect(queryTerms(input)).toEqual(want);
  });

  it('keeps letters of every script, folds case and width, drops duplicates', () => {
    expect(queryTerms('Café café ＣＡＦＥ Ünïcödé 東京 2024')).toEqual(['café', 'cafe', 'ünïcödé', '東京', '2024']);
  });

  it('drops stop words unless nothing else is left, and caps the terms', () => {
    expect(queryTerms('what is the library')).toEqual(['library']);
    expect(queryTerms('to be or not to be')).toEqual(['to', 'be', 'or', 'not']);
    const many = Array.from({ length: 100 }, (_, i) => `term${i}`).join(' ');
    expect(queryTerms(many)).toHaveLength(MAX_QUERY_TERMS);
    expect(queryTerms('')).toEqual([]);
    expect(queryTerms('   ...   ')).toEqual([]);
  });
});
