/**
 * A new document made ready to index: its text cleaned and checked, and cut into passages sized
 * in the model's own tokens (or, without the model, by an estimate). Embedding is the caller's.
 */
import { chunkDocument } from '../../core/library/chunk.ts';
import { cleanText } from '../../core/library/markdown.ts';
import { ConfidantError } from '../../core/errors.ts';
import type { NewDocument } from '../../messaging/library.ts';
import type { Embedder } from '../embed/types.ts';
import type { ChunkSpan } from './search-index.ts';

/** Most text one document may hold (characters); larger input is refused, not truncated silently. */
export const MAX_DOC_CHARS = 8_000_000;

/**
 * Chunk sizes without the model's tokenizer: about four characters per WordPiece token in English
 * prose. Only keyword search and whole-page sending use these chunks, so an estimate is enough.
 */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

export interface Chunked {
  /** The cleaned text, which is what is stored and what chunk offsets index. */
  text: string;
  chunks: ChunkSpan[];
  /** What is embedded for each chunk (its heading path, then its text). */
  inputs: string[];
}

/**
 * Cleans a document's text and cuts it into passages. Page text from the content script and
 * imported Markdown are read as Markdown (headings, lists, code); plain text files as plain text.
 */
export function chunkForEmbedding(raw: string, mime: string | undefined, tokens: Pick<Embedder, 'countTokens'>): Chunked {
  const text = cleanText(raw);
  const chunks = chunkDocument(text, { countTokens: tokens.countTokens, format: mime === 'text/plain' ? 'plain' : 'markdown' });
  return {
    text,
    chunks: chunks.map((c) => ({ start: c.start, end: c.end, heading: c.headings.join(' › ') })),
    inputs: chunks.map((c) => c.embedText),
  };
}

/** Checks and chunks a new document; refuses one too large or with nothing readable. */
export function chunkNewDocument(input: NewDocument, embedder: Pick<Embedder, 'countTokens'> | null): Chunked {
  if (typeof input.text !== 'string') throw new ConfidantError('E_BAD_REQUEST', 'A document needs text.');
  if (input.text.length > MAX_DOC_CHARS) {
    throw new ConfidantError('E_BAD_REQUEST', `This document is too large to save (${(input.text.length / 1e6).toFixed(1)} million characters; the limit is ${MAX_DOC_CHARS / 1e6} million).`);
  }
  const chunked = chunkForEmbedding(input.text, input.mime, embedder ?? { countTokens: estimateTokens });
  if (chunked.chunks.length === 0) throw new ConfidantError('E_UNREADABLE_PAGE', 'There is no readable text here to save.');
  return chunked;
}
