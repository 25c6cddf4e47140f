/** What the library needs from an embedding model. */
export interface Embedder {
  /** e.g. "Xenova/all-MiniLM-L6-v2@q8": vectors remember which model made them. */
  readonly modelId: string;
  readonly dims: number;
  /** Tokens in the model's own tokenizer (no special tokens), for sizing chunks. */
  countTokens(text: string): number;
  /** Mean-pooled, L2-normalized vectors, one row of `dims` per text, flat. */
  embed(texts: readonly string[], onProgress?: (done: number, total: number) => void): Promise<Float32Array>;
}
