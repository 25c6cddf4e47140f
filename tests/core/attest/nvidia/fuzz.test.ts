/**
 * Random mutations of the real blobs, chains, RIMs and NRAS tokens: parsing and verifying them
 * never throws anything but a ConfidantError, and never passes unless the mutation left the
 * verified content unchanged (the tolerated zero padding after an SPDM signature; PEM wrapping;
 * what C14N removes; JSON whitespace around tokens). Deterministic seeds, so a failure replays.
 */
import { describe, expect, it } from 'vitest';
import { ConfidantError } from '../../../../src/core/errors.ts';
import type { Check } from '../../../../src/core/attest/types.ts';
import {
  NRAS_INTERMEDIATE_004_SHA256,
  NVIDIA_DEVICE_ROOT_PEM,
  NVIDIA_RIM_ROOT_PEM,
  checkNrasClaims,
  defaultGpuPolicy,
  parseNrasToken,
  parsePemCerts,
  parsePemChain,
  parseRim,
  parseSpdmEvidence,
  verifyGpu,
  verifyGpuReport,
  verifyNrasSignatures,
  verifyReportSignature,
  verifyRim,
} from '../../../../src/core/attest/nvidia/index.ts';
import { NRAS_ISSUER } from '../../../../src/core/attest/nvidia/nras.ts';
import { mulberry32 } from '../../../helpers/prng.ts';
import { HAS_AGPL_VECTORS, OTHER_JWKS, RIM_TIME, agplNras, h100Vectors, hex, nvtrustNras, rimText } from './h100.ts';

const vectors = h100Vectors();
const deviceRoots = parsePemCerts('root', NVIDIA_DEVICE_ROOT_PEM);
const rimRoots = parsePemCerts('root', NVIDIA_RIM_ROOT_PEM);
const allPassed = (checks: Check[]) => checks.length > 0 && checks.every((c) => c.passed);
const eq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

type Rnd = () => number;
const int = (r: Rnd, n: number) => Math.floor(r() * n);

/** One random mutation: bit flips, a byte overwrite, a truncation, an insertion, or appended bytes. */
function mutateBytes(r: Rnd, b: Uint8Array): Uint8Array {
  const kind = int(r, 6);
  const c = b.slice();
  switch (kind) {
    case 0: {
      const n = 1 + int(r, 3);
      for (let i = 0; i < n; i++) c[int(r, c.length)]! ^= 1 << int(r, 8);
      return c;
    }
    case 1:
      c[int(r, c.length)] = int(r, 256);
      return c;
    case 2:
      return c.subarray(0, int(r, c.length));
    case 3: {
      const at = int(r, c.length + 1);
      const ins = Array.from({ length: 1 + int(r, 4) }, () => int(r, 256));
      return new Uint8Array([...c.subarray(0, at), ...ins, ...c.subarray(at)]);
    }
    case 4:
      return new Uint8Array([...c, ...Array.from({ length: 1 + int(r, 20) }, () => (r() < 0.5 ? 0 : int(r, 256)))]);
    default: {
      // Remove a run of bytes.
      const at = int(r, c.length);
      return new Uint8Array([...c.subarray(0, at), ...c.subarray(at + 1 + int(r, 8))]);
    }
  }
}

function mutateText(r: Rnd, t: string): string {
  const at = int(r, t.length);
  const chars = 'A0+/=-\n <>"&:x.';
  switch (int(r, 4)) {
    case 0:
      return t.slice(0, at) + chars[int(r, chars.length)]! + t.slice(at + 1);
    case 1:
      return t.slice(0, at) + t.slice(at + 1 + int(r, 4));
    case 2:
      return t.slice(0, at) + chars[int(r, chars.length)]! + t.slice(at);
    default:
      return t.slice(0, at);
  }
}

function expectTyped(e: unknown): void {
  if (!(e instanceof ConfidantError)) throw new Error(`untyped exception: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`);
}

describe('fuzz', () => {
  it('SPDM reports: 2000 mutations parse to ParseError or fail the signature', async () => {
    let passes = 0;
    let parseErrors = 0;
    for (const [vi, v] of vectors.entries()) {
      const r = mulberry32(1000 + vi);
      const leaf = parsePemCerts('c', v.certChainPem)[0]!;
      const original = parseSpdmEvidence(v.report);
      for (let i = 0; i < 500; i++) {
        const m = mutateBytes(r, v.report);
        try {
          const ev = parseSpdmEvidence(m);
          const sig = await verifyReportSignature(ev, leaf);
          if (sig.passed) {
            passes++;
            // Only the tolerated zero padding after the signature may differ.
            expect(eq(ev.signedBytes, original.signedBytes)).toBe(true);
            expect(eq(ev.response.signature, original.response.signature)).toBe(true);
            expect(m.subarray(ev.signatureOffset + 96).every((x) => x === 0)).toBe(true);
          }
        } catch (e) {
          expectTyped(e);
          parseErrors++;
        }
      }
    }
    expect(parseErrors).toBeGreaterThan(500);
    expect(passes).toBeLessThan(100);
  });

  it('certificate chains: 400 mutations of DER and PEM text never pass', async () => {
    const r = mulberry32(2000);
    for (let i = 0; i < 400; i++) {
      const v = vectors[i % vectors.length]!;
      const ders = parsePemChain('c', v.certChainPem);
      let pem: string;
      if (i % 3 === 0) {
        pem = mutateText(r, v.certChainPem);
      } else {
        const k = int(r, ders.length);
        const list = ders.map((d, j) => (j === k ? mutateBytes(r, d) : d));
        pem = list.map((d) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(d).toString('base64')}\n-----END CERTIFICATE-----\n`).join('');
      }
      try {
        const certs = parsePemCerts('certChainPem', pem);
        const checks = await verifyGpuReport(parseSpdmEvidence(v.report), certs, { now: RIM_TIME, trustedRoots: deviceRoots });
        if (allPassed(checks)) {
          const got = certs.map((c) => c.der);
          expect(got.length === ders.length && got.every((d, j) => eq(d, ders[j]!))).toBe(true);
        }
      } catch (e) {
        expectTyped(e);
      }
    }
  });

  it('verifyGpu end to end: 200 mixed mutations', async () => {
    const r = mulberry32(3000);
    for (let i = 0; i < 200; i++) {
      const v = vectors[i % vectors.length]!;
      const report = i % 2 ? mutateBytes(r, v.report) : v.report;
      const certChainPem = i % 2 ? v.certChainPem : mutateText(r, v.certChainPem);
      try {
        const { checks } = await verifyGpu({ report, certChainPem }, { ...defaultGpuPolicy, measurements: 'none' }, { now: RIM_TIME, expectedNonce: hex(v.nonce) });
        if (allPassed(checks)) {
          const ev = parseSpdmEvidence(report);
          expect(eq(ev.signedBytes, parseSpdmEvidence(v.report).signedBytes)).toBe(true);
          expect(parsePemChain('c', certChainPem).every((d, j) => eq(d, parsePemChain('c', v.certChainPem)[j]!))).toBe(true);
        }
      } catch (e) {
        expectTyped(e);
      }
    }
  });

  it('RIMs: 80 text mutations never pass unless the canonical signed content is unchanged', async () => {
    const r = mulberry32(4000);
    const texts = [rimText.driver550_144_03(), rimText.vbios535()];
    const originals = texts.map((t) => parseRim(t));
    for (let i = 0; i < 80; i++) {
      const k = i % 2;
      const text = mutateText(r, texts[k]!);
      try {
        const rim = parseRim(text);
        const checks = await verifyRim(rim, { now: RIM_TIME, trustedRoots: rimRoots, prefix: 'gpu.rim' });
        if (allPassed(checks)) {
          const o = originals[k]!.signature;
          expect(eq(rim.signature.referenced, o.referenced) && eq(rim.signature.signedInfo, o.signedInfo) && eq(rim.signature.signatureValue, o.signatureValue)).toBe(true);
          expect(rim.measurements).toEqual(originals[k]!.measurements);
        }
      } catch (e) {
        expectTyped(e);
      }
    }
  });

  it('NRAS tokens (the committed nvtrust sample): 300 text mutations parse or fail with a typed error, never pass', async () => {
    const r = mulberry32(5001);
    const text = nvtrustNras.token();
    const now = new Date(nvtrustNras.iat * 1000);
    for (let i = 0; i < 300; i++) {
      try {
        const eat = parseNrasToken(mutateText(r, text));
        // Its signing key is in no public JWKS: whatever the mutation, the signatures cannot pass.
        const checks = await verifyNrasSignatures(eat, OTHER_JWKS, { now, intermediateSha256: [NRAS_INTERMEDIATE_004_SHA256] });
        expect(allPassed(checks)).toBe(false);
      } catch (e) {
        expectTyped(e);
      }
    }
  });

  it.skipIf(!HAS_AGPL_VECTORS)('NRAS tokens (agpl-origin, not committed): 300 text mutations never pass unless the signed tokens are unchanged', async () => {
    const r = mulberry32(5000);
    const text = agplNras.token();
    const original = parseNrasToken(text);
    const jwks = agplNras.jwks();
    const now = new Date(agplNras.iat * 1000);
    for (let i = 0; i < 300; i++) {
      const t = mutateText(r, text);
      try {
        const eat = parseNrasToken(t);
        const checks = [
          ...(await verifyNrasSignatures(eat, jwks, { now, intermediateSha256: [NRAS_INTERMEDIATE_004_SHA256] })),
          ...(await checkNrasClaims(eat, { now, clockSkewSeconds: 60, issuer: NRAS_ISSUER, nonceHex: agplNras.nonce, ueid: agplNras.ueid, driverVersion: agplNras.driver, vbiosVersion: agplNras.vbios })),
        ];
        if (allPassed(checks)) {
          expect(eat.overall.compact).toBe(original.overall.compact);
          expect(eat.devices.map((d) => d.token.compact)).toEqual(original.devices.map((d) => d.token.compact));
        }
      } catch (e) {
        expectTyped(e);
      }
    }
  });
});
