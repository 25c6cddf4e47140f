import { expect } from 'vitest';
import type { Check } from '../../../../src/core/attest/types.ts';
import { ConfidantError, ParseError } from '../../../../src/core/errors.ts';

export function failedIds(checks: readonly Check[]): string[] {
  return checks.filter((c) => !c.passed).map((c) => c.id);
}

export function check(checks: readonly Check[], id: string): Check {
  const c = checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} among ${checks.map((x) => x.id).join(', ')}`);
  return c;
}

export async function rejectsWith(p: Promise<unknown>, field: string): Promise<ParseError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    expect((e as ParseError).field).toBe(field);
    expect((e as ConfidantError).code).toBe('E_PARSE');
    return e as ParseError;
  }
  throw new Error(`expected a ParseError naming ${field}`);
}

/** A small deterministic PRNG (mulberry32), so fuzz failures are reproducible from the seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
