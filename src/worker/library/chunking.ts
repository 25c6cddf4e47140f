import { chunkDocument } from '../../core/library/chunk.ts';
import { cleanText } from '../../core/library/markdown.ts';
import type { Embedder } from '../embed/types.ts';
import type { ChunkSpan } from './search-index.ts';

/**
 * Cleans a document's text and cuts it into passages sized in the model's own tokens. Page text
 * from the content script and imported Markdown are read as Markdown (headings, lists, code);
 * plain text files as plain text. Offsets index the cleaned text, which is what is stored.
 */
export function chunkForEmbedding(raw: string, mime: string | undefined, embedder: Pick<Embedder, 'countTokens'>): { text: string; chunks: ChunkSpan[]; inputs: string[] } {
  const text = cleanText(raw);
  const chunks = chunkDocument(text, { countTokens: embedder.countTokens, format: mime === 'text/plain' ? 'plain' : 'markdown' });
  return {
    text,
    chunks: chunks.map((c) => ({ start: c.start, end: c.end, heading: c.headings.join(' › ') })),
    inputs: chunks.map((c) => c.embedText),
  };
}
