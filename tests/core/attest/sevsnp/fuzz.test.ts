/**
 * Random mutations of real reports and VCEKs through parse + verify. Two properties:
 *  - nothing but a ConfidantError is ever thrown;
 *  - a mutated report never passes the signature check, and a VCEK whose signed part
 *    (tbsCertificate) or signature changed never passes the chain.
 * Seeded, so a failure names a reproducible case.
 */
import { describe, expect, it } from 'vitest';
import { defaultSnpPolicy, parseCertificate, parseReport, parseReportHex, vcekExtensions, verifyReport, verifySnp } from '../../../../src/core/attest/sevsnp/index.ts';
import type { X509Certificate } from '../../../../src/core/attest/x509/peculiar.ts';
import { readElement } from '../../../../src/core/attest/x509/der.ts';
import { pemBlocks } from '../../../../src/core/attest/x509/pem.ts';
import { bytesEqual, toHex } from '../../../../src/core/bytes.ts';
import { ConfidantError } from '../../../../src/core/errors.ts';
import type { Check } from '../../../../src/core/attest/types.ts';
import { VECTORS } from './fixtures.ts';
import { mulberry32 } from '../../../helpers/prng.ts';

type Mutator = (b: Uint8Array, rand: () => number) => Uint8Array;

const int = (rand: () => number, n: number) => Math.floor(rand() * n);

const MUTATORS: Array<[string, Mutator]> = [
  ['bit flip', (b, rand) => {
    const o = b.slice();
    const i = int(rand, o.length);
    o[i]! ^= 1 << int(rand, 8);
    return o;
  }],
  ['several bit flips', (b, rand) => {
    const o = b.slice();
    for (let k = 2 + int(rand, 6); k > 0; k--) o[int(rand, o.length)]! ^= 1 << int(rand, 8);
    return o;
  }],
  ['random byte', (b, rand) => {
    const o = b.slice();
    o[int(rand, o.length)] = int(rand, 256);
    return o;
  }],
  ['truncation', (b, rand) => b.slice(0, int(rand, b.length))],
  ['byte insertion', (b, rand) => {
    const i = int(rand, b.length + 1);
    return new Uint8Array([...b.subarray(0, i), int(rand, 256), ...b.subarray(i)]);
  }],
  ['byte deletion', (b, rand) => {
    const i = int(rand, b.length);
    return new Uint8Array([...b.subarray(0, i), ...b.subarray(i + 1)]);
  }],
  ['random run overwrite', (b, rand) => {
    const o = b.slice();
    const i = int(rand, o.length);
    for (let k = i; k < Math.min(o.length, i + 1 + int(rand, 32)); k++) o[k] = int(rand, 256);
    return o;
  }],
  ['random bytes', (b, rand) => new Uint8Array(int(rand, 2) ? b.length : int(rand, 2 * b.length)).map(() => int(rand, 256))],
];

function derOf(input: Uint8Array): Uint8Array | undefined {
  try {
    return input[0] === 0x30 ? input : pemBlocks(new TextDecoder().decode(input), 'CERTIFICATE', 'x')[0];
  } catch {
    return undefined;
  }
}

/** tbsCertificate (with its header) and signature BIT STRING of a DER or PEM certificate, if it has that shape. */
function signedPartsOf(input: Uint8Array): { tbs: Uint8Array; sig: Uint8Array } | undefined {
  try {
    const der = derOf(input);
    if (!der) return undefined;
    const outer = readElement('certificate', der, 0);
    const tbs = readElement('tbsCertificate', der, outer.contentStart);
    const alg = readElement('signatureAlgorithm', der, tbs.end);
    const sig = readElement('signature', der, alg.end);
    return { tbs: tbs.raw, sig: sig.content };
  } catch {
    return undefined;
  }
}

/** parse + verify (+ validate, for raw VCEK bytes via verifySnp); returns the checks or the typed error. */
async function attempt(report: Uint8Array, vcek: Uint8Array | X509Certificate, now: Date): Promise<Check[] | ConfidantError> {
  try {
    if (vcek instanceof Uint8Array) return (await verifySnp({ report, vcek }, defaultSnpPolicy, { now })).checks;
    return (await verifyReport({ report: parseReport(report), vcek }, { now })).checks;
  } catch (e) {
    if (e instanceof ConfidantError) return e;
    throw new Error(`untyped exception: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
}

const PER_VECTOR_REPORT = 300;
const PER_VECTOR_VCEK = 200;

describe('fuzz', () => {
  it.each(VECTORS)(`$name: ${PER_VECTOR_REPORT} report mutations`, async (v) => {
    const rand = mulberry32(0x5e5 + v.name.length * 7919);
    const report = v.report();
    const vcek = parseCertificate(v.vcek(), 'vcek'); // the VCEK is not mutated here: parse it once
    let parseErrors = 0;
    let rejected = 0;
    for (let n = 0; n < PER_VECTOR_REPORT; n++) {
      const [kind, mutate] = MUTATORS[n % MUTATORS.length]!;
      const m = mutate(report, rand);
      const res = await attempt(m, vcek, v.validAt);
      const label = `${v.name} #${n} ${kind}`;
      if (res instanceof ConfidantError) {
        expect(res.code, label).toBe('E_PARSE');
        parseErrors++;
        continue;
      }
      const sig = res.find((c) => c.id === 'snp.report.signature')!;
      if (bytesEqual(m, report)) {
        expect(sig.passed, label).toBe(true);
      } else {
        expect(sig.passed, `${label}: mutated report passed the signature check`).toBe(false);
        rejected++;
      }
    }
    expect(parseErrors + rejected).toBeGreaterThan(PER_VECTOR_REPORT * 0.9);
    expect(rejected).toBeGreaterThan(20);
  });

  it.each(VECTORS)(`$name: ${PER_VECTOR_VCEK} VCEK mutations`, async (v) => {
    const rand = mulberry32(0xce4 + v.name.length * 104729);
    const report = v.report();
    const vcek = v.vcek();
    const orig = signedPartsOf(vcek)!;
    let parseErrors = 0;
    let rejected = 0;
    for (let n = 0; n < PER_VECTOR_VCEK; n++) {
      const [kind, mutate] = MUTATORS[n % MUTATORS.length]!;
      const m = mutate(vcek, rand);
      const res = await attempt(report, m, v.validAt);
      const label = `${v.name} #${n} ${kind}`;
      if (res instanceof ConfidantError) {
        expect(res.code, label).toBe('E_PARSE');
        parseErrors++;
        continue;
      }
      const leafId = v.signingKey === 'VLEK' ? 'snp.chain.vlek' : 'snp.chain.vcek';
      const chain = res.find((c) => c.id === leafId)!;
      const allPassed = res.every((c) => c.passed);
      if (allPassed) {
        // Only a change that leaves the DER as it was may pass (e.g. whitespace in PEM text):
        // every byte of the DER is either signed or checked (see amdSignatureProblem).
        expect(toHex(derOf(m) ?? new Uint8Array(0)), `${label}: changed certificate passed`).toBe(toHex(derOf(vcek)!));
      } else {
        rejected++;
      }
      const now = signedPartsOf(m);
      if (now && (!bytesEqual(now.tbs, orig.tbs) || !bytesEqual(now.sig, orig.sig))) expect(chain.passed, `${label}: chain passed`).toBe(false);
    }
    expect(parseErrors + rejected).toBeGreaterThan(PER_VECTOR_VCEK * 0.9);
  });

  it('hex-text reports: random edits give a report or a ParseError, nothing else', () => {
    const rand = mulberry32(42);
    const text = VECTORS[0]!.report();
    const hex = toHex(text);
    const chars = '0123456789abcdefABCDEFxX \n\tgz!';
    for (let n = 0; n < 500; n++) {
      let t = hex;
      for (let k = 1 + int(rand, 3); k > 0; k--) {
        const i = int(rand, t.length + 1);
        const c = chars[int(rand, chars.length)]!;
        const op = int(rand, 3);
        t = op === 0 ? t.slice(0, i) + c + t.slice(i) : op === 1 ? t.slice(0, i) + t.slice(i + 1) : t.slice(0, i) + c + t.slice(i + 1);
      }
      try {
        parseReportHex(t);
      } catch (e) {
        expect(e, `#${n}`).toBeInstanceOf(ConfidantError);
      }
    }
  });
});

/**
 * The parsers alone, at volume (issue #13: at least 100k inputs each): every mutated report or
 * certificate either parses or is refused with a ParseError, never another exception; and a
 * sample of those that parse goes through the full verification, which must not pass. Seeded.
 */
describe('parser fuzz, 100k inputs each', () => {
  const N = Number(process.env.FUZZ_N ?? 100_000);
  const SAMPLE = 997; // every SAMPLE-th parsed input is verified end to end

  it(`parseReport: ${N} mutated reports`, async () => {
    const rand = mulberry32(0x100000);
    const v = VECTORS[0]!;
    const report = v.report();
    const vcek = parseCertificate(v.vcek(), 'vcek');
    let parsed = 0;
    for (let n = 0; n < N; n++) {
      const m = MUTATORS[n % MUTATORS.length]![1](report, rand);
      try {
        parseReport(m);
        parsed++;
      } catch (e) {
        if (!(e instanceof ConfidantError && e.code === 'E_PARSE')) throw new Error(`#${n}: untyped exception ${String(e)}`);
        continue;
      }
      if (n % SAMPLE === 0 && !bytesEqual(m, report)) {
        const res = await attempt(m, vcek, v.validAt);
        if (!(res instanceof ConfidantError)) expect(res.find((c) => c.id === 'snp.report.signature')!.passed, `#${n} passed`).toBe(false);
      }
    }
    expect(parsed).toBeGreaterThan(N / 10);
  }, 300_000);

  it(`parseCertificate + vcekExtensions: ${N} mutated VCEKs`, async () => {
    const rand = mulberry32(0x200000);
    const v = VECTORS[0]!;
    const vcek = derOf(v.vcek())!;
    const report = v.report();
    let parsed = 0;
    for (let n = 0; n < N; n++) {
      const m = MUTATORS[n % MUTATORS.length]![1](vcek, rand);
      try {
        vcekExtensions(parseCertificate(m, 'vcek'));
        parsed++;
      } catch (e) {
        if (!(e instanceof ConfidantError && e.code === 'E_PARSE')) throw new Error(`#${n}: untyped exception ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
        continue;
      }
      if (n % SAMPLE === 0 && !bytesEqual(m, vcek)) {
        const res = await attempt(report, m, v.validAt);
        if (!(res instanceof ConfidantError)) expect(res.every((c) => c.passed), `#${n} passed`).toBe(false);
      }
    }
    expect(parsed).toBeGreaterThan(0);
  }, 300_000);
});
