/**
 * H100 evidence through a configured command, and RIMs from NVIDIA's RIM service.
 *
 * The command is an argv template (no shell); every "{nonce}" is replaced by the 32-byte GPU nonce
 * in lower-case hex. It must print JSON: {"report": base64, "certChain": PEM} for one GPU, or an
 * array of those in GPU order (docs/deploy.md shows one built on NVIDIA's nvtrust tools).
 *
 * RIMs: for each GPU, the driver and VBIOS RIM ids are read from the report's opaque data
 * (h100 FACTS §5) and fetched once from `${rimBase}${id}` (JSON {"rim": base64 XML}), then cached.
 */
import { execFile } from 'node:child_process';
import type { GpuReferenceJson } from '../../src/core/attest/bundle.ts';
import { bytesEqual, fromBase64Lenient, toHex } from '../../src/core/bytes.ts';
import { parseSpdm, rimIdsFor } from './spdm.ts';
import { EvidenceError, type GpuEvidence } from './types.ts';

export const DEFAULT_RIM_BASE = 'https://rim.attestation.nvidia.com/v1/rim/';

export interface GpuProviderOptions {
  command: string[];
  timeoutMs?: number;
  rimBase?: string;
  fetch?: typeof fetch;
}

function run(argv: string[], timeoutMs: number, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(argv[0]!, argv.slice(1), { timeout: timeoutMs, maxBuffer: 16 << 20, signal, windowsHide: true }, (err, stdout, stderr) => {
      if (err) reject(new EvidenceError(`GPU evidence command failed: ${err.message.split('\n')[0]}${stderr ? ` (${String(stderr).trim().slice(0, 200)})` : ''}`));
      else resolve(String(stdout));
    });
  });
}

export class CommandGpuProvider {
  private readonly rims = new Map<string, Promise<string>>();
  constructor(private readonly opts: GpuProviderOptions) {
    if (!opts.command.length) throw new EvidenceError('the GPU evidence command is empty');
  }

  async evidence(gpuNonce: Uint8Array, signal?: AbortSignal): Promise<GpuEvidence[]> {
    const hex = toHex(gpuNonce);
    const argv = this.opts.command.map((a) => a.replaceAll('{nonce}', hex));
    const out = await run(argv, this.opts.timeoutMs ?? 60_000, signal);
    let json: unknown;
    try {
      json = JSON.parse(out);
    } catch {
      throw new EvidenceError('GPU evidence command did not print JSON');
    }
    const items = Array.isArray(json) ? json : [json];
    if (items.length === 0) throw new EvidenceError('GPU evidence command listed no GPU');
    return items.map((it, i) => {
      const o = it as { report?: unknown; certChain?: unknown };
      if (typeof o?.report !== 'string' || typeof o.certChain !== 'string') throw new EvidenceError(`GPU ${i}: want {report: base64, certChain: PEM}`);
      let report: Uint8Array;
      try {
        report = fromBase64Lenient(o.report.trim());
      } catch {
        throw new EvidenceError(`GPU ${i}: report is not base64`);
      }
      let parsed;
      try {
        parsed = parseSpdm(report);
      } catch (e) {
        throw new EvidenceError(`GPU ${i}: ${(e as Error).message}`);
      }
      if (!bytesEqual(parsed.requesterNonce, gpuNonce)) throw new EvidenceError(`GPU ${i}: the report answers another nonce (is the command passing {nonce}?)`);
      return { report, certChainPem: o.certChain };
    });
  }

  async reference(gpus: GpuEvidence[], signal?: AbortSignal): Promise<GpuReferenceJson> {
    const ids: string[] = [];
    for (const g of gpus) {
      const r = rimIdsFor(parseSpdm(g.report));
      for (const id of [r.driver, r.vbios]) if (!ids.includes(id)) ids.push(id);
    }
    const rims = await Promise.all(ids.map(async (id) => ({ id, xml: await this.rim(id, signal) })));
    return { kind: 'rims', rims };
  }

  private rim(id: string, signal?: AbortSignal): Promise<string> {
    let p = this.rims.get(id);
    if (!p) {
      p = (async () => {
        const f = this.opts.fetch ?? fetch;
        const url = `${this.opts.rimBase ?? DEFAULT_RIM_BASE}${encodeURIComponent(id)}`;
        const res = await f(url, { signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(20_000)]) : AbortSignal.timeout(20_000) });
        if (!res.ok) throw new EvidenceError(`RIM service answered HTTP ${res.status} for ${id}`);
        const body = (await res.json()) as { rim?: unknown };
        if (typeof body.rim !== 'string') throw new EvidenceError(`RIM service reply for ${id} has no "rim"`);
        return new TextDecoder().decode(fromBase64Lenient(body.rim));
      })();
      p.catch(() => this.rims.delete(id));
      this.rims.set(id, p);
    }
    return p;
  }
}
