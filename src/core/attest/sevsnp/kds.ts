/**
 * Fetching a report's VCEK from AMD's Key Distribution Service (AMD 57230 §3), for endpoints that
 * publish a bare report (Tinfoil) or a report without its certificate (Contrast's issuer falls back
 * to that when KDS was unreachable from the VM). The VCEK is only the key to check the report's
 * signature with; verify.ts still checks it chains to the pinned ASK/ARK, so a wrong or forged
 * certificate from here fails there.
 *
 * KDS rate-limits, so answers are kept in memory (bounded): a VCEK is a pure function of its URL.
 */
import { ConfidantError } from '../../errors.ts';
import { isAllZero, toHex } from '../../bytes.ts';
import { decodeTcb, reportProduct, type Product, type SnpReport } from './abi.ts';
import { KDS_BASE } from './roots.ts';

/** GET {kds}/vcek/v1/{product}/{hwid}?blSPL=…&teeSPL=…&snpSPL=…&ucodeSPL=…[&fmcSPL=…] for the report's REPORTED_TCB. */
export function vcekUrl(report: SnpReport, product: Product, base: string = KDS_BASE): string {
  const tcb = decodeTcb(report.REPORTED_TCB, product);
  // Turin's KDS names a chip by the first 8 bytes of CHIP_ID (57230 rev 1.2, §3.1); earlier lines by all 64.
  const hwid = toHex(product === 'Turin' ? report.CHIP_ID.subarray(0, 8) : report.CHIP_ID);
  const q = new URLSearchParams({ blSPL: String(tcb.bl), teeSPL: String(tcb.tee), snpSPL: String(tcb.snp), ucodeSPL: String(tcb.ucode) });
  if (product === 'Turin') q.set('fmcSPL', String(tcb.fmc ?? 0));
  return `${base.replace(/\/+$/, '')}/vcek/v1/${product}/${hwid}?${q}`;
}

const MAX_CACHED = 32;
const cache = new Map<string, Uint8Array>();

/**
 * The VCEK (DER) for `report`. The product comes from the report (VERSION ≥ 3) or, for VERSION 2,
 * is tried in `candidates` order (KDS answers 404 for a chip it does not know under that product).
 */
export async function fetchVcek(
  report: SnpReport,
  opts: { fetch: typeof fetch; kds?: string; signal?: AbortSignal; candidates?: readonly Product[] },
): Promise<{ der: Uint8Array; product: Product; url: string }> {
  if (report.SIGNER_INFO.MASK_CHIP_KEY || isAllZero(report.CHIP_ID)) {
    throw new ConfidantError('E_ATTEST_VERIFY', 'The report hides its CHIP_ID (MASK_CHIP_KEY), so its VCEK cannot be looked up; the endpoint must send it.', { field: 'CHIP_ID' });
  }
  const named = reportProduct(report);
  const products = named ? [named] : (opts.candidates ?? ['Genoa', 'Milan']);
  let lastStatus = 0;
  for (const product of products) {
    const url = vcekUrl(report, product, opts.kds);
    const hit = cache.get(url);
    if (hit) return { der: hit.slice(), product, url };
    let res: Response;
    try {
      res = await opts.fetch(url, { headers: { accept: 'application/octet-stream' }, ...(opts.signal ? { signal: opts.signal } : {}) });
    } catch (e) {
      throw new ConfidantError('E_NETWORK', `Could not reach AMD's key service (${new URL(url).origin}) for the VCEK: ${e instanceof Error ? e.message : String(e)}`);
    }
    lastStatus = res.status;
    if (res.status === 404) {
      await res.body?.cancel().catch(() => {});
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new ConfidantError(res.status === 429 ? 'E_RATE_LIMITED' : 'E_NETWORK', `AMD's key service answered HTTP ${res.status} for the VCEK.`, { status: res.status });
    }
    const der = new Uint8Array(await res.arrayBuffer());
    if (der.length < 64 || der.length > 8192 || der[0] !== 0x30) {
      throw new ConfidantError('E_PARSE', `AMD's key service sent ${der.length} bytes that are not a DER certificate.`, { field: 'vcek' });
    }
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
    cache.set(url, der.slice());
    return { der, product, url };
  }
  throw new ConfidantError('E_ATTEST_VERIFY', `AMD's key service knows no VCEK for this chip and TCB (tried ${products.join(', ')}; HTTP ${lastStatus}).`, { field: 'CHIP_ID', status: lastStatus });
}
