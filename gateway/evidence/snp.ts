/**
 * SEV-SNP evidence from Linux configfs-tsm (Documentation/ABI/testing/configfs-tsm):
 *
 *   mkdir <root>/<entry>; read provider (must name sev_guest); [write privlevel];
 *   write inblob (64 bytes REPORT_DATA); read outblob (the report); read auxblob (GHCB
 *   certificate table, may be empty); read generation (must equal our number of writes, else
 *   another writer raced us); rmdir.
 *
 * When auxblob carries no VCEK, the VCEK is fetched from AMD KDS (snp FACTS §4) for the
 * report's CHIP_ID and REPORTED_TCB and cached; the ASK/ARK chain likewise. `fetch` is injected.
 * The root is configurable so tests point it at a fake folder.
 */
import { mkdir, readFile, rm, rmdir, writeFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { toBase64, toHex } from '../../src/core/bytes.ts';
import { REPORT_SIZE } from '../../src/core/attest/sevsnp/abi.ts';
import { KDS_BASE } from '../../src/core/attest/sevsnp/roots.ts';
import { productFromCpuid } from '../../src/core/attest/sevsnp/abi.ts';
import { CERT_GUIDS, decodeTcbBytes, parseCertTable, reportFields } from './snp-report.ts';
import { EvidenceError, type SnpEvidence } from './types.ts';

export const DEFAULT_TSM_ROOT = '/sys/kernel/config/tsm/report';
export const DEFAULT_KDS = KDS_BASE;

export interface SnpProviderOptions {
  root?: string;
  /** VMPL to request (privlevel); unset leaves the kernel default. */
  privlevel?: number;
  /** Product line when the report cannot tell (v2 reports have no CPUID fields). */
  product?: 'Milan' | 'Genoa' | 'Turin';
  kdsBase?: string;
  fetch?: typeof fetch;
  /** How long to wait for the entry's attributes to appear (configfs: immediate). */
  attributeWaitMs?: number;
}

function derToPem(der: Uint8Array): string {
  const b64 = toBase64(der).replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n`;
}

function toPem(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes);
  if (text.includes('-----BEGIN CERTIFICATE-----')) return text.trim() + '\n';
  return derToPem(bytes);
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

export class ConfigfsSnpProvider {
  private readonly root: string;
  private readonly cache = new Map<string, Promise<Uint8Array>>();
  private counter = 0;
  constructor(private readonly opts: SnpProviderOptions = {}) {
    this.root = opts.root ?? DEFAULT_TSM_ROOT;
  }

  async report(reportData: Uint8Array): Promise<SnpEvidence> {
    if (reportData.length !== 64) throw new EvidenceError('REPORT_DATA must be 64 bytes');
    const entry = join(this.root, `confidant-${process.pid}-${this.counter++}-${randomBytes(4).toString('hex')}`);
    try {
      await mkdir(entry);
    } catch (e) {
      throw new EvidenceError(`configfs-tsm: cannot create ${entry}: ${(e as Error).message}`);
    }
    let outblob: Uint8Array;
    let auxblob: Uint8Array = new Uint8Array(0);
    try {
      const deadline = Date.now() + (this.opts.attributeWaitMs ?? 2000);
      while (!(await exists(join(entry, 'provider')))) {
        if (Date.now() > deadline) throw new EvidenceError(`configfs-tsm: ${entry} has no provider attribute (is ${this.root} configfs-tsm?)`);
        await new Promise((r) => setTimeout(r, 5));
      }
      const provider = (await readFile(join(entry, 'provider'), 'utf8')).trim();
      if (!provider.startsWith('sev_guest')) throw new EvidenceError(`configfs-tsm provider is ${JSON.stringify(provider)}, not sev_guest`);
      let writes = 0;
      if (this.opts.privlevel !== undefined) {
        await writeFile(join(entry, 'privlevel'), String(this.opts.privlevel));
        writes++;
      }
      await writeFile(join(entry, 'inblob'), reportData);
      writes++;
      outblob = new Uint8Array(await readFile(join(entry, 'outblob')));
      try {
        auxblob = new Uint8Array(await readFile(join(entry, 'auxblob')));
      } catch {
        auxblob = new Uint8Array(0); // no certificates from the host
      }
      const generation = parseInt((await readFile(join(entry, 'generation'), 'utf8')).trim(), 10);
      if (generation !== writes) throw new EvidenceError(`configfs-tsm generation is ${generation}, expected ${writes}: another writer used the entry`);
    } finally {
      await rmdir(entry).catch(async (e: NodeJS.ErrnoException) => {
        // A plain folder standing in for configfs keeps its files; configfs itself never says ENOTEMPTY here.
        if (e.code === 'ENOTEMPTY') await rm(entry, { recursive: true, force: true });
      });
    }
    if (outblob.length < REPORT_SIZE) throw new EvidenceError(`configfs-tsm outblob is ${outblob.length} bytes, want ${REPORT_SIZE}`);
    const report = outblob.slice(0, REPORT_SIZE);
    return this.withCerts(report, auxblob);
  }

  private async withCerts(report: Uint8Array, auxblob: Uint8Array): Promise<SnpEvidence> {
    const f = reportFields(report);
    const product = this.opts.product ?? (f.version >= 3 ? (productFromCpuid(f.cpuid[0], f.cpuid[1]) ?? null) : null);
    let table = new Map<string, Uint8Array>();
    try {
      table = parseCertTable(auxblob);
    } catch (e) {
      throw new EvidenceError(`configfs-tsm auxblob: ${(e as Error).message}`);
    }
    const vlek = f.signingKey === 1;
    const leaf = table.get(vlek ? CERT_GUIDS.VLEK : CERT_GUIDS.VCEK);
    const ask = table.get(CERT_GUIDS.ASK);
    const ark = table.get(CERT_GUIDS.ARK);
    let vcekPem: string;
    if (leaf) vcekPem = toPem(leaf);
    else if (vlek) throw new EvidenceError('the report is signed by a VLEK and the host supplied none (KDS serves VLEKs only to the cloud provider)');
    else {
      if (!product) throw new EvidenceError('cannot tell the product line to fetch the VCEK: set --snp-product');
      vcekPem = derToPem(await this.cached(this.vcekUrl(product, f.chipId, f.reportedTcb)));
    }
    let certChainPem = '';
    if (ask && ark) certChainPem = toPem(ask) + toPem(ark);
    else if (product) {
      try {
        certChainPem = toPem(await this.cached(`${this.kds()}/${vlek ? 'vlek' : 'vcek'}/v1/${product}/cert_chain`));
      } catch {
        certChainPem = ''; // informative only: the verifier pins the ARK and can fetch the ASK
      }
    }
    return { report, vcekPem, certChainPem, product };
  }

  private kds(): string {
    return (this.opts.kdsBase ?? DEFAULT_KDS).replace(/\/+$/, '');
  }

  /** snp FACTS §4: REPORTED_TCB, decimal SPLs zero-padded to 2 digits like snpguest. */
  vcekUrl(product: string, chipId: Uint8Array, reportedTcb: Uint8Array): string {
    const turin = product === 'Turin';
    const t = decodeTcbBytes(reportedTcb, turin);
    const p2 = (n: number) => String(n).padStart(2, '0');
    if (turin) {
      return `${this.kds()}/vcek/v1/Turin/${toHex(chipId.subarray(0, 8))}?fmcSPL=${p2(t.fmc!)}&blSPL=${p2(t.bl)}&teeSPL=${p2(t.tee)}&snpSPL=${p2(t.snp)}&ucodeSPL=${p2(t.ucode)}`;
    }
    return `${this.kds()}/vcek/v1/${product}/${toHex(chipId)}?blSPL=${p2(t.bl)}&teeSPL=${p2(t.tee)}&snpSPL=${p2(t.snp)}&ucodeSPL=${p2(t.ucode)}`;
  }

  private cached(url: string): Promise<Uint8Array> {
    let p = this.cache.get(url);
    if (!p) {
      p = (async () => {
        const f = this.opts.fetch ?? fetch;
        const res = await f(url, { signal: AbortSignal.timeout(20_000) });
        if (!res.ok) throw new EvidenceError(`AMD KDS answered HTTP ${res.status} for ${url}`);
        return new Uint8Array(await res.arrayBuffer());
      })();
      p.catch(() => this.cache.delete(url));
      this.cache.set(url, p);
    }
    return p;
  }
}
