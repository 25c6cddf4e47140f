/**
 * The simulated bundle is byte-exact evidence: it passes an independent check written from the
 * FACTS files, passes the SEV-SNP and NVIDIA verifiers when they are given the dev roots, and
 * fails them with the production roots. The built-in responder answers when no model is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fetchBundle, openSealedChat } from '../../src/core/channel/client.ts';
import { channelFromVerdict } from '../../src/core/channel/client.ts';
import type { EvidenceBundle } from '../../src/core/attest/bundle.ts';
import { gpuNonceFor } from '../../src/core/attest/binding.ts';
import { defaultSnpPolicy, verifySnp } from '../../src/core/attest/sevsnp/index.ts';
import { defaultGpuPolicy, verifyGpu } from '../../src/core/attest/nvidia/index.ts';
import { DEV_ARK_PEM, DEV_ASK_PEM, DEV_NRAS_INTERMEDIATE_SHA256, DEV_NRAS_ISSUER, DEV_NRAS_JWKS, DEV_NVIDIA_DEVICE_ROOT_PEM, DEV_SNP_MEASUREMENT } from '../../src/core/attest/roots/dev/index.ts';
import { fromHex, toHex, utf8 } from '../../src/core/bytes.ts';
import { checkSimulatedBundle } from '../helpers/sim-check.ts';
import { collect } from '../helpers/gateway-fixture.ts';
import { buildMessages } from '../../src/core/chat/prompt.ts';
import { PROJECT_ROOT, startGateway, type Running } from '../helpers/processes.ts';

let gw: Running;
let bundle: EvidenceBundle;
let nonce: Uint8Array;

beforeAll(async () => {
  gw = await startGateway(['--simulated', '--builtin', '--quiet']); // the built-in responder, even if Ollama runs here
  nonce = crypto.getRandomValues(new Uint8Array(32));
  bundle = await fetchBundle(gw.url, nonce);
}, 40_000);
afterAll(async () => gw?.stop());

const devAnchor = [{ product: 'Genoa' as const, source: 'dev' as const, ark: DEV_ARK_PEM, ask: DEV_ASK_PEM }];

function snpInput(b: EvidenceBundle) {
  return { report: b.snpReport, vcek: utf8(b.json.snp.vcek), certChain: b.json.snp.certChain };
}

function gpuInput(b: EvidenceBundle) {
  const ref = b.json.gpuReference;
  return { report: b.gpus[0]!.report, certChainPem: b.gpus[0]!.certChainPem, nras: ref.kind === 'nras' ? { token: JSON.stringify(ref.eat), jwks: DEV_NRAS_JWKS } : undefined };
}

describe('simulated evidence', () => {
  it('passes an independent byte-level check (chains, signatures, binding, FWID, NRAS-style token)', async () => {
    const v = await checkSimulatedBundle(bundle, nonce);
    expect(v.checks.filter((c) => !c.passed)).toEqual([]);
    expect(v.checks.length).toBeGreaterThan(25);
    expect(toHex(bundle.snpReport.subarray(0x90, 0xc0))).toBe(DEV_SNP_MEASUREMENT);
  });

  it('passes the SEV-SNP verifier with the dev anchor and fails it with the production (AMD) roots', async () => {
    const now = new Date();
    const dev = await verifySnp(snpInput(bundle), { ...defaultSnpPolicy, measurements: [fromHex(DEV_SNP_MEASUREMENT, 'DEV_SNP_MEASUREMENT')] }, { now, roots: devAnchor });
    expect(dev.checks.filter((c) => !c.passed).map((c) => `${c.id}: ${c.detail}`)).toEqual([]);
    const prod = await verifySnp(snpInput(bundle), defaultSnpPolicy, { now });
    expect(prod.checks.some((c) => !c.passed)).toBe(true);
  });

  it('passes the NVIDIA verifier with dev roots + dev NRAS pin and fails it with the production policy', async () => {
    const now = new Date();
    const expectedNonce = await gpuNonceFor(nonce);
    const devPolicy = {
      ...defaultGpuPolicy,
      measurements: 'nras' as const,
      deviceRootsPem: [DEV_NVIDIA_DEVICE_ROOT_PEM],
      nras: { ...defaultGpuPolicy.nras, intermediateSha256: [DEV_NRAS_INTERMEDIATE_SHA256], issuer: DEV_NRAS_ISSUER },
    };
    const dev = await verifyGpu(gpuInput(bundle), devPolicy, { now, expectedNonce });
    expect(dev.checks.filter((c) => !c.passed).map((c) => `${c.id}: ${c.detail}`)).toEqual([]);
    const prod = await verifyGpu(gpuInput(bundle), defaultGpuPolicy, { now, expectedNonce });
    expect(prod.checks.some((c) => !c.passed)).toBe(true);
  });

  it('fails verifyEvidence under PRODUCTION_POLICY and passes it with allowSimulated (once evidence.ts and policy.ts are real)', async (ctx) => {
    const file = join(PROJECT_ROOT, 'src/core/attest/evidence.ts');
    if (!existsSync(file)) return ctx.skip();
    const ev = (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
    const pol = (await import(/* @vite-ignore */ join(PROJECT_ROOT, 'src/core/attest/policy.ts'))) as Record<string, unknown>;
    if (!pol.PRODUCTION_POLICY) return ctx.skip(); // still the stub
    const verifyEvidence = ev.verifyEvidence as (e: unknown, p: unknown, o: unknown) => Promise<{ ok: boolean; checks: { id: string; passed: boolean }[] }>;
    const prod = await verifyEvidence({ bundle, nonce }, pol.PRODUCTION_POLICY, { now: new Date() });
    expect(prod.ok).toBe(false);
    const dev = await verifyEvidence({ bundle, nonce }, { ...(pol.PRODUCTION_POLICY as object), allowSimulated: true }, { now: new Date() });
    expect(dev.checks.filter((c) => !c.passed)).toEqual([]);
    // The GPU's revocation comes from the (dev-)signed NRAS token: OCSP good.
    expect(dev.checks.find((c) => c.id === 'gpu0.ocsp')).toMatchObject({ passed: true, got: 'good' });
  });

  it('is answered by the built-in responder, which quotes the best sentence of the sources and cites it', async () => {
    const channel = await channelFromVerdict(await checkSimulatedBundle(bundle, nonce), bundle, { gatewayUrl: gw.url, nonce });
    expect(channel.model).toBe('confidant-builtin-quoter');
    const passages = [
      { title: 'Harbour notes', url: 'https://example.org/harbour', text: 'The harbour opens at dawn. Taxes are due in April.' },
      { title: 'Sea mammals', url: null, text: 'Sea otters eat urchins. Otters hold hands while sleeping so they do not drift apart. They groom often.' },
    ];
    const out = await collect(openSealedChat(channel, { messages: buildMessages('Why do otters hold hands while sleeping?', [], passages) }));
    expect(out.content).toMatch(/^No language model is configured/);
    expect(out.content).toContain('in source 2:');
    expect(out.content).toMatch(/> [^\n]*Otters hold hands while sleeping so they do not drift apart\.[^\n]* \[2\]$/);
    expect(out.content).not.toContain('Taxes');
    expect(out.reasoning).toBe('Compared the question with 2 sources by the words they share; source 2 matched best.');
  });

  it('without sources, quotes the conversation', async () => {
    const channel = await channelFromVerdict(await checkSimulatedBundle(bundle, nonce), bundle, { gatewayUrl: gw.url, nonce });
    const out = await collect(
      openSealedChat(channel, {
        messages: [
          { role: 'user', content: 'Otters hold hands while sleeping so they do not drift apart.\n\nTaxes are due in April.' },
          { role: 'assistant', content: 'Noted.' },
          { role: 'user', content: 'Why do otters hold hands?' },
        ],
      }),
    );
    expect(out.content).toContain('> Otters hold hands while sleeping so they do not drift apart.');
    expect(out.content).not.toContain('Taxes');
  });
});
