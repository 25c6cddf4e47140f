import { readFileSync, existsSync } from 'node:fs';
import { resolve, join } from 'node:path';

/**
 * Real attestation evidence. The vectors the tests need are committed under tests/fixtures/vectors
 * (copied byte for byte; SOURCES.md there says from where and under which licence), so a fresh
 * clone tests itself with nothing beside it.
 *
 * Two more files are machine output captured by AGPL-licensed projects (a Tinfoil production SNP
 * report, an NRAS token with the JWKS key that signed it). Their providers' notes ask that they be
 * used as test input only and never copied into a project, so they are not in the repository: the
 * tests that use them run when CONFIDANT_VECTORS names a folder that holds `*\/agpl-origin/`
 * (.ci/run points it at ../shared/vectors when that exists), and are skipped, saying why, otherwise.
 */
export const FIXTURE_VECTORS_DIR = resolve(import.meta.dirname, '..', 'fixtures', 'vectors');
export const EXTRA_VECTORS_DIR: string | null = process.env.CONFIDANT_VECTORS ? resolve(process.env.CONFIDANT_VECTORS) : null;

/** Where a vector is: the committed fixtures first, then CONFIDANT_VECTORS. */
export function vectorPath(rel: string): string {
  const own = join(FIXTURE_VECTORS_DIR, rel);
  if (existsSync(own) || !EXTRA_VECTORS_DIR) return own;
  return join(EXTRA_VECTORS_DIR, rel);
}

export function hasVector(rel: string): boolean {
  return existsSync(vectorPath(rel));
}

/** True when the AGPL-origin captures are reachable (see the module comment). */
export const HAS_AGPL_VECTORS = hasVector('h100/agpl-origin/vault-genome-nras/nras-response.json') && hasVector('snp/agpl-origin/genoa-tinfoil/attestation-bundle.json');

export function readVector(rel: string): Uint8Array {
  const p = vectorPath(rel);
  if (!existsSync(p)) throw new Error(`test vector missing: ${p}${rel.includes('agpl-origin') ? ' (AGPL-origin vectors are not committed; set CONFIDANT_VECTORS to a folder that has them)' : ''}`);
  return new Uint8Array(readFileSync(p));
}

export function readVectorText(rel: string): string {
  return new TextDecoder().decode(readVector(rel));
}
