/** Helpers the SEV-SNP and NVIDIA verifier tests share. */
import { expect } from 'vitest';
import type { Check } from '../../../src/core/attest/types.ts';
import { ConfidantError, ParseError } from '../../../src/core/errors.ts';

export function failedIds(checks: readonly Check[]): string[] {
  return checks.filter((c) => !c.passed).map((c) => c.id);
}

export function check(checks: readonly Check[], id: string): Check {
  const c = checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} among ${checks.map((x) => x.id).join(', ')}`);
  return c;
}

/** The ParseError `fn` throws; fails the test when it throws anything else or nothing. */
export function parseError(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return e as ParseError;
  }
  throw new Error('expected a ParseError');
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
