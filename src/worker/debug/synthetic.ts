/**
 * Test build only (benchmarks): synthetic documents with the shapes of real ones, so a library of
 * 100,000 chunks can be built in a minute without 100,000 embeddings. Deterministic from a seed.
 *
 *  - Text: words from an 8,000-word made-up vocabulary drawn with Zipf frequencies (as words are),
 *    about 140 words (≈ 900 characters, ≈ 190 tokens) per chunk, chunks separated by blank lines.
 *  - Vectors: unit vectors clustered around 512 topic directions (each document has one topic):
 *    cos ≈ 0.7 to the topic, ≈ 0.5 between chunks of a topic, ≈ 0 across topics, roughly how
 *    sentence embeddings of related and unrelated passages behave. Random vectors with no
 *    structure would make every neighbour equally far and recall figures meaningless.
 */
import type { NewDocument } from '../../messaging/library.ts';
import type { ChunkSpan } from '../library/search-index.ts';

const TOPICS = 512;
const VOCAB = 8000;
const WORDS_PER_CHUNK = 140;
/** Noise relative to the topic direction (per component, × 1/√dims). */
const SPREAD = 1.0;

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

function normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const n = Math.sqrt(s) || 1;
  for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'de', 'pa', 'shi', 'to', 'ba', 'en', 'or', 'al', 'qu', 'zer', 'mon', 'tel'];

export class SyntheticCorpus {
  readonly words: string[];
  private readonly cumulative: Float64Array;
  readonly topics: Float32Array[];

  constructor(
    readonly dims: number,
    readonly seed: number,
  ) {
    const rand = mulberry32(seed);
    const seen = new Set<string>();
    this.words = [];
    while (this.words.length < VOCAB) {
      const n = 2 + Math.floor(rand() * 3);
      let w = '';
      for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(rand() * SYLLABLES.length)];
      if (!seen.has(w)) {
        seen.add(w);
        this.words.push(w);
      }
    }
    this.cumulative = new Float64Array(VOCAB);
    let acc = 0;
    for (let r = 0; r < VOCAB; r++) this.cumulative[r] = acc += 1 / (r + 1);
    this.topics = Array.from({ length: TOPICS }, () => normalize(Float32Array.from({ length: dims }, () => gaussian(rand))));
  }

  word(rand: () => number): string {
    const x = rand() * this.cumulative[VOCAB - 1]!;
    let lo = 0;
    let hi = VOCAB - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return this.words[lo]!;
  }

  /** A unit vector near `topic`; `spread` scales the noise. */
  near(topic: Float32Array, rand: () => number, spread = SPREAD): Float32Array {
    const k = spread / Math.sqrt(this.dims);
    const v = new Float32Array(this.dims);
    for (let i = 0; i < this.dims; i++) v[i] = topic[i]! + k * gaussian(rand);
    return normalize(v);
  }

  /** Document number `n` (0-based): same seed and n, same document. */
  document(n: number, chunks: number): { input: NewDocument; prepared: { text: string; chunks: ChunkSpan[]; vectors: Float32Array } } {
    const rand = mulberry32((this.seed ^ Math.imul(n + 1, 0x9e3779b1)) >>> 0);
    const topic = this.topics[n % TOPICS]!;
    const parts: string[] = [];
    const spans: ChunkSpan[] = [];
    const vectors = new Float32Array(chunks * this.dims);
    let at = 0;
    for (let c = 0; c < chunks; c++) {
      const words: string[] = [];
      for (let w = 0; w < WORDS_PER_CHUNK; w++) words.push(this.word(rand));
      const chunk = `${words.join(' ')}.`;
      if (c) at += 2; // the blank line before it
      spans.push({ start: at, end: at + chunk.length, heading: `Part ${Math.floor(c / 10) + 1}` });
      parts.push(chunk);
      at += chunk.length;
      vectors.set(this.near(topic, rand), c * this.dims);
    }
    const text = parts.join('\n\n');
    return { input: { kind: 'page', title: `Synthetic document ${n}`, url: null, mime: 'text/markdown', text }, prepared: { text, chunks: spans, vectors } };
  }

  /** A query vector near a random chunk's topic, and a few words for keyword search. */
  query(n: number): { vector: Float32Array; text: string } {
    const rand = mulberry32((this.seed ^ Math.imul(n + 7, 0x85ebca6b)) >>> 0);
    const topic = this.topics[Math.floor(rand() * TOPICS)]!;
    return { vector: this.near(topic, rand, 1.3), text: Array.from({ length: 3 }, () => this.words[Math.floor(rand() * 2000)]).join(' ') };
  }
}
