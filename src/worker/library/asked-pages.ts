/**
 * Pages asked about but not saved: indexed in memory only (never stored), forgotten at lock, the
 * last few kept so follow-up questions and several tabs at once find them.
 *
 * A page asked about again with the same text is not read into the index again: the next
 * question on a page reuses its chunks and vectors. A long page answers first: it is indexed by
 * its words at once and embedded in the background (with progress), and its vectors join the index
 * when ready; until then questions about it are answered from keyword search, and say so.
 */
import { sha256, toHex, utf8 } from '../../core/bytes.ts';
import type { NewDocument } from '../../messaging/library.ts';
import type { Embedder } from '../embed/types.ts';
import { chunkNewDocument } from './prepare.ts';
import type { IndexedDoc, SearchIndex } from './search-index.ts';

/** Pages get ids far above any saved document's. */
const FIRST_ID = 2 ** 32;
/** Pages kept at once (several tabs asked about together, and the pages before them). */
export const PAGES_KEPT = 8;
/**
 * A page up to this many chunks is embedded before its first answer (about 1.5 s at the measured
 * 20 chunks/s); a longer one answers from its words first and is embedded in the background.
 */
export const EMBED_FIRST_CHUNKS = 32;

export interface AskedPage {
  docId: number;
  /** Chunks in the index, and in the page: a page being embedded counts its chunks embedded so far. */
  chunks: number;
  totalChunks: number;
  /** Its vectors are in the index. */
  embedded: boolean;
  /** Its vectors are being made in the background; until then it is found by its words. */
  embedding: boolean;
}

interface Entry {
  key: string;
  docId: number;
  total: number;
  done: number;
  embedded: boolean;
  embedding: boolean;
}

export interface AskedPagesDeps {
  /** The index of the unlocked library (throws when locked). */
  index: () => SearchIndex;
  /** The model if it can embed now without a download; null otherwise (keyword search only). */
  usableEmbedder: () => Promise<Embedder | null>;
  progress: (task: string, done: number, total: number, detail?: string) => void;
}

export class AskedPages {
  private entries: Entry[] = [];
  private nextId = FIRST_ID;

  constructor(private readonly deps: AskedPagesDeps) {}

  /** Indexes a page (or finds it indexed already). Call serialized with other index writes. */
  async add(input: NewDocument): Promise<AskedPage> {
    const index = this.deps.index();
    const key = await pageKey(input);
    const embedder = await this.deps.usableEmbedder();
    const known = this.entries.find((e) => e.key === key && index.doc(e.docId));
    if (known && (known.embedded || known.embedding || !embedder)) {
      this.entries = [...this.entries.filter((e) => e !== known), known];
      return view(known);
    }
    // Known by its words only, and the model is here now: indexed anew, with vectors.
    if (known) this.forget(index, known);

    const { text, chunks, inputs } = chunkNewDocument(input, embedder);
    const doc: IndexedDoc = { id: this.nextId++, title: input.title, url: input.url, text, chunks, vectors: new Float32Array(0), ephemeral: true };
    const entry: Entry = { key, docId: doc.id, total: chunks.length, done: 0, embedded: false, embedding: false };
    if (embedder && chunks.length <= EMBED_FIRST_CHUNKS) {
      doc.vectors = await embedder.embed(inputs, (done, total) => this.deps.progress('embed', done, total, input.title));
      Object.assign(entry, { embedded: true, done: chunks.length });
    } else if (embedder) {
      entry.embedding = true;
    }
    index.add([doc]);
    this.entries.push(entry);
    while (this.entries.length > PAGES_KEPT) this.forget(index, this.entries[0]!);
    if (entry.embedding) void this.embedLater(index, doc, inputs, embedder!, entry);
    return view(entry);
  }

  /** Is this page still being embedded? (Its answers then come from keyword search.) */
  isEmbedding(docId: number): boolean {
    return this.entries.some((e) => e.docId === docId && e.embedding);
  }

  /** At lock: everything goes with the index. */
  clear(): void {
    this.entries = [];
  }

  private forget(index: SearchIndex, entry: Entry): void {
    index.remove(entry.docId);
    this.entries = this.entries.filter((e) => e !== entry);
  }

  /**
   * Embeds a long page's chunks and puts its vectors into the index, unless the page was
   * forgotten or the library locked meanwhile. A failure leaves the page found by its words.
   */
  private async embedLater(index: SearchIndex, doc: IndexedDoc, inputs: string[], embedder: Embedder, entry: Entry): Promise<void> {
    try {
      const vectors = await embedder.embed(inputs, (done, total) => {
        entry.done = done;
        this.deps.progress('embed', done, total, doc.title);
      });
      if (!this.entries.includes(entry) || !index.doc(doc.id)) return;
      index.add([{ ...doc, vectors }]);
      Object.assign(entry, { embedded: true, embedding: false, done: entry.total });
    } catch (e) {
      entry.embedding = false;
      entry.done = 0;
      this.deps.progress('embed', inputs.length, inputs.length, doc.title);
      console.warn('Confidant: a page could not be embedded; it is searched by its words:', (e as Error).message);
    }
  }
}

function view(e: Entry): AskedPage {
  return { docId: e.docId, chunks: e.embedded ? e.total : e.done, totalChunks: e.total, embedded: e.embedded, embedding: e.embedding };
}

/** Same address, title, type and text: the same page. */
async function pageKey(input: NewDocument): Promise<string> {
  return toHex((await sha256(utf8(JSON.stringify([input.url, input.title, input.mime ?? '', input.text])))).subarray(0, 16));
}
