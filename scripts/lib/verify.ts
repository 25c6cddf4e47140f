/**
 * How the CLI verifies a bundle. It uses the combined verifier `verifyEvidence({bundle, nonce},
 * policy, {now, fetch})` from src/core/attest/evidence.ts with PRODUCTION_POLICY (or, with --dev,
 * `{...PRODUCTION_POLICY, allowSimulated: true}`) from policy.ts when those exist.
 *
 * NOTE (until evidence.ts lands; today it is a stub without PRODUCTION_POLICY): this falls back to composing the two
 * verifiers that exist — verifySnp (AMD roots; plus the dev ARK with --dev) and verifyGpu
 * (NVIDIA roots, RIMs or NRAS; plus dev roots and the dev NRAS pin with --dev) — and refuses a
 * simulated bundle without --dev. The REPORT_DATA binding of key + nonce is re-checked by
 * channelFromVerdict either way. Delete the fallback once evidence.ts is in.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EvidenceBundle } from '../../src/core/attest/bundle.ts';
import type { Check } from '../../src/core/attest/types.ts';
import { gpuNonceFor } from '../../src/core/attest/binding.ts';
import { AMD_TRUST_ANCHORS, defaultSnpPolicy, verifySnp } from '../../src/core/attest/sevsnp/index.ts';
import { defaultGpuPolicy, verifyGpu } from '../../src/core/attest/nvidia/index.ts';
import { DEV_ARK_PEM, DEV_ASK_PEM, DEV_NRAS_INTERMEDIATE_SHA256, DEV_NRAS_ISSUER, DEV_NRAS_JWKS, DEV_NVIDIA_DEVICE_ROOT_PEM, DEV_SNP_MEASUREMENT } from '../../src/core/attest/roots/dev/index.ts';
import { fromHex, utf8 } from '../../src/core/channel/bytes.ts';

export interface Verdict {
  ok: boolean;
  checks: Check[];
  source: 'verifyEvidence' | 'fallback';
}

const ROOT = join(import.meta.dirname, '..', '..');

export async function verifyBundle(bundle: EvidenceBundle, nonce: Uint8Array, opts: { dev: boolean; now?: Date; fetch?: typeof fetch }): Promise<Verdict> {
  const now = opts.now ?? new Date();
  const evidencePath = join(ROOT, 'src/core/attest/evidence.ts');
  const policyPath = join(ROOT, 'src/core/attest/policy.ts');
  if (existsSync(evidencePath) && existsSync(policyPath)) {
    const ev = (await import(/* @vite-ignore */ evidencePath)) as { verifyEvidence?: (e: unknown, p: unknown, o: unknown) => Promise<{ ok: boolean; checks: Check[] }> };
    const pol = (await import(/* @vite-ignore */ policyPath)) as Record<string, unknown>;
    const base = pol.PRODUCTION_POLICY as Record<string, unknown> | undefined;
    // The stubs in place while the verifier is written export no PRODUCTION_POLICY: use the fallback then.
    if (ev.verifyEvidence && base) {
      const policy = opts.dev ? { ...base, allowSimulated: true } : base;
      const v = await ev.verifyEvidence({ bundle, nonce }, policy, { now, fetch: opts.fetch });
      return { ok: v.ok, checks: v.checks, source: 'verifyEvidence' };
    }
  }
  return fallback(bundle, nonce, opts.dev, now);
}

async function fallback(bundle: EvidenceBundle, nonce: Uint8Array, dev: boolean, now: Date): Promise<Verdict> {
  const checks: Check[] = [];
  checks.push({
    id: 'bundle.simulated',
    passed: dev || !bundle.json.simulated,
    detail: bundle.json.simulated ? (dev ? 'simulated evidence, accepted because --dev' : 'the gateway sent simulated evidence; production policy refuses it') : 'hardware evidence',
  });
  const roots = dev ? [...AMD_TRUST_ANCHORS, { product: 'Genoa' as const, source: 'dev' as const, ark: DEV_ARK_PEM, ask: DEV_ASK_PEM }] : AMD_TRUST_ANCHORS;
  const snp = await verifySnp(
    { report: bundle.snpReport, vcek: utf8(bundle.json.snp.vcek), ...(bundle.json.snp.certChain ? { certChain: bundle.json.snp.certChain } : {}) },
    { ...defaultSnpPolicy, measurements: dev && bundle.json.simulated ? [fromHex(DEV_SNP_MEASUREMENT)] : [] },
    { now, roots },
  );
  checks.push(...snp.checks);
  const expectedNonce = await gpuNonceFor(nonce);
  const ref = bundle.json.gpuReference;
  const policy = dev
    ? {
        ...defaultGpuPolicy,
        measurements: ref.kind === 'nras' ? ('nras' as const) : defaultGpuPolicy.measurements,
        deviceRootsPem: [...defaultGpuPolicy.deviceRootsPem, DEV_NVIDIA_DEVICE_ROOT_PEM],
        nras: { ...defaultGpuPolicy.nras, intermediateSha256: [...defaultGpuPolicy.nras.intermediateSha256, DEV_NRAS_INTERMEDIATE_SHA256], issuer: bundle.json.simulated ? DEV_NRAS_ISSUER : defaultGpuPolicy.nras.issuer },
      }
    : defaultGpuPolicy;
  for (const [i, g] of bundle.gpus.entries()) {
    const input =
      ref.kind === 'rims'
        ? { report: g.report, certChainPem: g.certChainPem, rims: ref.rims.map((r) => r.xml) }
        : { report: g.report, certChainPem: g.certChainPem, nras: { token: JSON.stringify(ref.eat), jwks: dev && bundle.json.simulated ? DEV_NRAS_JWKS : { keys: [] } } };
    const r = await verifyGpu(input, policy, { now, expectedNonce });
    checks.push(...r.checks.map((c) => ({ ...c, id: c.id.replace(/^gpu\./, `gpu${i}.`) })));
  }
  if (bundle.gpus.length === 0) checks.push({ id: 'gpu.count', passed: false, detail: 'the bundle has no GPU evidence' });
  return { ok: checks.every((c) => c.passed), checks, source: 'fallback' };
}
