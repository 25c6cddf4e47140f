import { readFileSync, existsSync } from 'node:fs';
import { resolve, join } from 'node:path';

/**
 * Real attestation evidence lives outside the repo (it is not ours to copy).
 * CONFIDANT_VECTORS points elsewhere; the default is ../shared/vectors from the project root.
 */
export const VECTORS_DIR = resolve(process.env.CONFIDANT_VECTORS ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'vectors'));

export function vectorPath(rel: string): string {
  return join(VECTORS_DIR, rel);
}

export function readVector(rel: string): Uint8Array {
  const p = vectorPath(rel);
  if (!existsSync(p)) throw new Error(`test vector missing: ${p} (set CONFIDANT_VECTORS)`);
  return new Uint8Array(readFileSync(p));
}

export function readVectorText(rel: string): string {
  return new TextDecoder().decode(readVector(rel));
}
