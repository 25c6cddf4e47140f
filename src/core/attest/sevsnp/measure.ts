/**
 * The SEV-SNP launch MEASUREMENT a VM will have, computed from what it is launched with: the OVMF
 * firmware, the kernel, initrd and command line QEMU measures into it (measured direct boot), the
 * number of vCPUs and their CPUID signature, and the guest's SEV features. This is what a person
 * recomputes to check that a published measurement is the build they audited (docs/provenance.md),
 * and how a measurement for one vCPU is extended to N (Contrast's reference values, Privatemode).
 *
 * It follows the SEV-SNP firmware ABI (AMD 56860), §8.17 SNP_LAUNCH_UPDATE: the digest starts as 48
 * zero bytes, and every page the hypervisor adds updates it as
 *   digest = SHA-384(PAGE_INFO), PAGE_INFO = digest ‖ contents(48) ‖ u16 0x70 ‖ page type ‖ is_imi ‖
 *            vmpl3/2/1 perms ‖ 0 ‖ u64 gpa                                     (Table 67, 112 bytes)
 * with pages in QEMU's order: the OVMF image, the sections OVMF's SEV metadata lists, then one VMSA
 * per vCPU (the first at the reset vector, the others at OVMF's SEV-ES AP reset EIP). The VMSA
 * register values are QEMU's initial state for an SEV-SNP guest. Checked against the test vectors
 * of virtee/sev-snp-measure (tests/core/attest/sevsnp/measure.test.ts).
 *
 * Only QEMU/KVM's initial state is modelled (not EC2's or GCE's).
 */
import { ParseError } from '../../errors.ts';
import { concatBytes, sha256, sha384 } from '../../bytes.ts';

const PAGE = 4096;
const FOUR_GB = 0x1_0000_0000;
const LD_SIZE = 48;
const ZEROS48 = new Uint8Array(LD_SIZE);
/** The VMSA page is recorded at GPA (u64)-1, page-aligned, bits above 51 cleared. */
const VMSA_GPA = 0xfffffffff000;
const BSP_EIP = 0xfffffff0;

enum PageType {
  Normal = 0x01,
  Vmsa = 0x02,
  Zero = 0x03,
  Unmeasured = 0x04,
  Secrets = 0x05,
  Cpuid = 0x06,
}

/** OVMF SEV metadata section types (edk2 OvmfPkg/ResetVector/X64/OvmfSevMetadata.asm). */
enum SectionType {
  SnpSecMem = 1,
  SnpSecrets = 2,
  Cpuid = 3,
  SvsmCaa = 4,
  SnpKernelHashes = 0x10,
}

const GUID = {
  footer: '96b582de-1fb2-45f7-baea-a366c55a082d',
  sevHashTable: '7255371f-3a3b-4b04-927b-1da6efa8d454',
  sevEsResetBlock: '00f771de-1a7e-4fcb-890e-68c77e2fb44e',
  sevMetadata: 'dc886566-984a-4798-a75e-5585a7bf67cc',
  hashTableHeader: '9438d606-4f22-4cc9-b479-a793d411fd21',
  kernelEntry: '4de79437-abd2-427f-b835-d5b172d2045b',
  initrdEntry: '44baf731-3a2f-4bd7-9af1-41e29169781d',
  cmdlineEntry: '97d02dd8-bd20-4c94-aa78-e7714d36ab2a',
} as const;

/** A GUID in the mixed-endian byte order EFI stores it in (first three groups little-endian). */
export function guidBytes(guid: string): Uint8Array {
  const h = guid.replace(/-/g, '');
  const b = Uint8Array.from(h.match(/../g)!.map((x) => parseInt(x, 16)));
  const swap = (a: number, n: number) => b.subarray(a, a + n).reverse();
  swap(0, 4);
  swap(4, 2);
  swap(6, 2);
  return b;
}

function guidString(b: Uint8Array): string {
  const c = b.slice();
  c.subarray(0, 4).reverse();
  c.subarray(4, 6).reverse();
  c.subarray(6, 8).reverse();
  const h = Array.from(c, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The CPUID Fn0000_0001_EAX signature QEMU puts in RDX of each VMSA (AMD CPUID spec 25481). */
export function cpuSignature(family: number, model: number, stepping: number): number {
  const [famLow, famHigh] = family > 0xf ? [0xf, (family - 0xf) & 0xff] : [family, 0];
  return ((famHigh << 20) | (((model >> 4) & 0xf) << 16) | (famLow << 8) | ((model & 0xf) << 4) | (stepping & 0xf)) >>> 0;
}

/** QEMU's vCPU types as they set the signature (its builtin_x86_defs). */
export const VCPU_SIGNATURES: Readonly<Record<string, number>> = Object.freeze({
  'EPYC-v4': cpuSignature(23, 1, 2),
  'EPYC-Rome': cpuSignature(23, 49, 0),
  'EPYC-Milan': cpuSignature(25, 1, 1),
  'EPYC-Genoa': cpuSignature(25, 17, 0),
  'EPYC-Turin': cpuSignature(26, 0, 0),
});

/** The launch digest as it is built, page by page. */
export class LaunchDigest {
  private constructor(private ld: Uint8Array) {}

  /** From zero, or from a digest computed so far (e.g. the OVMF image's, or a 1-vCPU measurement). */
  static from(seed: Uint8Array = ZEROS48): LaunchDigest {
    if (seed.length !== LD_SIZE) throw new ParseError('seed', `a launch digest is ${LD_SIZE} bytes, got ${seed.length}`);
    return new LaunchDigest(seed.slice());
  }

  get value(): Uint8Array {
    return this.ld.slice();
  }

  private async update(type: PageType, gpa: number, contents: Uint8Array): Promise<void> {
    const info = new Uint8Array(0x70);
    const dv = new DataView(info.buffer);
    info.set(this.ld, 0);
    info.set(contents, 48);
    dv.setUint16(96, 0x70, true);
    info[98] = type;
    // is_imi, vmpl3/2/1 permissions, reserved: all zero.
    dv.setBigUint64(104, BigInt(gpa), true);
    this.ld = await sha384(info);
  }

  async normalPages(gpa: number, data: Uint8Array): Promise<void> {
    if (data.length % PAGE) throw new ParseError('pages', `length ${data.length} is not a whole number of 4 KiB pages`);
    for (let o = 0; o < data.length; o += PAGE) await this.update(PageType.Normal, gpa + o, await sha384(data.subarray(o, o + PAGE)));
  }

  async zeroPages(gpa: number, length: number): Promise<void> {
    for (let o = 0; o < length; o += PAGE) await this.update(PageType.Zero, gpa + o, ZEROS48);
  }

  async secretsPage(gpa: number): Promise<void> {
    await this.update(PageType.Secrets, gpa, ZEROS48);
  }

  async cpuidPage(gpa: number): Promise<void> {
    await this.update(PageType.Cpuid, gpa, ZEROS48);
  }

  async vmsaPage(page: Uint8Array): Promise<void> {
    if (page.length !== PAGE) throw new ParseError('vmsa', `a VMSA page is 4096 bytes, got ${page.length}`);
    await this.update(PageType.Vmsa, VMSA_GPA, await sha384(page));
  }
}

/**
 * QEMU's initial VMSA for an SEV-SNP vCPU (AMD APM vol. 2, Table B-4, the save area's layout).
 * `eip`: the reset vector (0xFFFFFFF0 for the first vCPU, OVMF's AP reset EIP for the others).
 */
export function vmsaPage(eip: number, vcpuSig: number, guestFeatures: number): Uint8Array {
  const p = new Uint8Array(PAGE);
  const dv = new DataView(p.buffer);
  const seg = (off: number, selector: number, attrib: number, limit: number, base: number) => {
    dv.setUint16(off, selector, true);
    dv.setUint16(off + 2, attrib, true);
    dv.setUint32(off + 4, limit, true);
    dv.setBigUint64(off + 8, BigInt(base), true);
  };
  const u64 = (off: number, v: number | bigint) => dv.setBigUint64(off, BigInt(v), true);
  seg(0x00, 0, 0x93, 0xffff, 0); // es
  seg(0x10, 0xf000, 0x9b, 0xffff, (eip & 0xffff0000) >>> 0); // cs
  seg(0x20, 0, 0x93, 0xffff, 0); // ss
  seg(0x30, 0, 0x93, 0xffff, 0); // ds
  seg(0x40, 0, 0x93, 0xffff, 0); // fs
  seg(0x50, 0, 0x93, 0xffff, 0); // gs
  seg(0x60, 0, 0, 0xffff, 0); // gdtr
  seg(0x70, 0, 0x82, 0xffff, 0); // ldtr
  seg(0x80, 0, 0, 0xffff, 0); // idtr
  seg(0x90, 0, 0x8b, 0xffff, 0); // tr
  u64(0xd0, 0x1000); // efer: SVME, as KVM sets it
  u64(0x148, 0x40); // cr4: MCE
  u64(0x158, 0x10); // cr0
  u64(0x160, 0x400); // dr7
  u64(0x168, 0xffff0ff0); // dr6
  u64(0x170, 0x2); // rflags
  u64(0x178, eip & 0xffff); // rip
  u64(0x268, 0x7040600070406n); // g_pat (AMD APM vol. 2, A.3)
  u64(0x310, vcpuSig); // rdx: the CPUID signature
  u64(0x3b0, guestFeatures); // sev_features
  u64(0x3e8, 0x1); // xcr0
  dv.setUint32(0x408, 0x1f80, true); // mxcsr
  dv.setUint16(0x410, 0x37f, true); // x87 fcw
  return p;
}

export interface OvmfInfo {
  /** GUIDed footer table entries by GUID. */
  table: Map<string, Uint8Array>;
  sections: { gpa: number; size: number; type: number }[];
  /** The SEV-ES AP reset EIP (for every vCPU but the first). */
  apResetEip: number;
  /** Where QEMU writes the kernel hashes table, when OVMF supports measured direct boot. */
  hashesTableGpa: number | null;
}

/** Reads OVMF's footer table and SEV metadata (the last bytes of the image suffice). */
export function parseOvmf(data: Uint8Array): OvmfInfo {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const table = new Map<string, Uint8Array>();
  const entryHeader = 18;
  const footerAt = data.length - 32 - entryHeader;
  if (footerAt < 0 || guidString(data.subarray(footerAt + 2, footerAt + 18)) !== GUID.footer) throw new ParseError('ovmf', 'no OVMF GUIDed footer table 32 bytes before the end');
  const tableSize = dv.getUint16(footerAt, true) - entryHeader;
  if (tableSize < 0 || tableSize > footerAt) throw new ParseError('ovmf', `footer table size ${tableSize} does not fit`);
  let end = footerAt;
  const start = footerAt - tableSize;
  while (end - start >= entryHeader) {
    const size = dv.getUint16(end - entryHeader, true);
    if (size < entryHeader || end - size < start) throw new ParseError('ovmf', `footer table entry of size ${size} does not fit`);
    table.set(guidString(data.subarray(end - 16, end)), data.slice(end - size, end - entryHeader));
    end -= size;
  }
  const u32 = (b: Uint8Array | undefined, what: string) => {
    if (!b || b.length < 4) throw new ParseError('ovmf', `no ${what} entry in the footer table`);
    return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(0, true);
  };
  const sections: OvmfInfo['sections'] = [];
  const meta = table.get(GUID.sevMetadata);
  if (meta) {
    const at = data.length - u32(meta, 'SEV metadata');
    if (at < 0 || at + 16 > data.length || String.fromCharCode(...data.subarray(at, at + 4)) !== 'ASEV' || dv.getUint32(at + 8, true) !== 1) {
      throw new ParseError('ovmf', 'the SEV metadata header is not ASEV version 1');
    }
    const n = dv.getUint32(at + 12, true);
    if (at + 16 + n * 12 > data.length) throw new ParseError('ovmf', `${n} SEV metadata sections do not fit`);
    for (let i = 0; i < n; i++) {
      const o = at + 16 + i * 12;
      sections.push({ gpa: dv.getUint32(o, true), size: dv.getUint32(o + 4, true), type: dv.getUint32(o + 8, true) });
    }
  }
  const hashes = table.get(GUID.sevHashTable);
  const hashesTableGpa = hashes ? u32(hashes, 'SEV hash table') : null;
  return { table, sections, apResetEip: u32(table.get(GUID.sevEsResetBlock), 'SEV-ES reset block'), hashesTableGpa: hashesTableGpa || null };
}

/** The SHA-256 table of kernel, initrd and command line QEMU places for OVMF to check (padded to 16). */
export async function kernelHashesTable(kernel: Uint8Array, initrd: Uint8Array, append: string): Promise<Uint8Array> {
  const entry = async (guid: string, data: Uint8Array) => concatBytes([guidBytes(guid), Uint8Array.of(50, 0), await sha256(data)]);
  const cmdline = concatBytes([new TextEncoder().encode(append), Uint8Array.of(0)]);
  const body = concatBytes([guidBytes(GUID.hashTableHeader), Uint8Array.of(168, 0), await entry(GUID.cmdlineEntry, cmdline), await entry(GUID.initrdEntry, initrd), await entry(GUID.kernelEntry, kernel)]);
  const out = new Uint8Array((body.length + 15) & ~15);
  out.set(body);
  return out;
}

export interface LaunchInputs {
  /** The OVMF image; with `ovmfHash`, its last pages suffice (only its tables are read). */
  ovmf: Uint8Array;
  /** The launch digest of the OVMF image alone (`LaunchDigest.normalPages` over it), when precomputed. */
  ovmfHash?: Uint8Array;
  vcpus: number;
  vcpuSig: number;
  /** SEV_FEATURES of the guest (QEMU's default for SNP is 0x1: SNP active). */
  guestFeatures: number;
  /** Measured direct boot: all three, or none. */
  kernel?: Uint8Array;
  initrd?: Uint8Array;
  append?: string;
}

/** The launch digest of the OVMF image alone. */
export async function ovmfDigest(ovmf: Uint8Array): Promise<Uint8Array> {
  const d = LaunchDigest.from();
  await d.normalPages(FOUR_GB - ovmf.length, ovmf);
  return d.value;
}

/** The MEASUREMENT an SEV-SNP guest launched by QEMU with these inputs reports. */
export async function launchMeasurement(i: LaunchInputs): Promise<Uint8Array> {
  if (!Number.isInteger(i.vcpus) || i.vcpus < 1 || i.vcpus > 512) throw new ParseError('vcpus', `got ${i.vcpus}, want 1..512`);
  const ovmf = parseOvmf(i.ovmf);
  const d = LaunchDigest.from(i.ovmfHash ?? (await ovmfDigest(i.ovmf)));
  const hashes = i.kernel ? await kernelHashesTable(i.kernel, i.initrd ?? new Uint8Array(0), i.append ?? '') : null;
  for (const s of ovmf.sections) {
    switch (s.type) {
      case SectionType.SnpSecMem:
      case SectionType.SvsmCaa:
        await d.zeroPages(s.gpa, s.size);
        break;
      case SectionType.SnpSecrets:
        await d.secretsPage(s.gpa);
        break;
      case SectionType.Cpuid:
        await d.cpuidPage(s.gpa);
        break;
      case SectionType.SnpKernelHashes:
        if (hashes) {
          if (ovmf.hashesTableGpa === null) throw new ParseError('ovmf', 'a kernel is given, but OVMF has no SEV hash table');
          const page = new Uint8Array(s.size);
          page.set(hashes, ovmf.hashesTableGpa & 0xfff);
          await d.normalPages(s.gpa, page);
        } else {
          await d.zeroPages(s.gpa, s.size);
        }
        break;
      default:
        throw new ParseError('ovmf', `unknown SEV metadata section type ${s.type}`);
    }
  }
  if (hashes && !ovmf.sections.some((s) => s.type === SectionType.SnpKernelHashes)) throw new ParseError('ovmf', 'a kernel is given, but OVMF measures no kernel hashes section');
  await d.vmsaPage(vmsaPage(BSP_EIP, i.vcpuSig, i.guestFeatures));
  const ap = vmsaPage(ovmf.apResetEip, i.vcpuSig, i.guestFeatures);
  for (let n = 1; n < i.vcpus; n++) await d.vmsaPage(ap);
  return d.value;
}

/**
 * A measurement for more vCPUs from the one for fewer: every vCPU after the first adds the same AP
 * VMSA page, so a 1-vCPU digest extends to N with N − 1 of them (how Contrast publishes reference
 * values: the 1-vCPU digest and the AP reset EIP).
 */
export async function extendForVcpus(digest: Uint8Array, from: number, to: number, ap: { apEip: number; vcpuSig: number; guestFeatures: number }): Promise<Uint8Array> {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 1 || to < from) throw new ParseError('vcpus', `cannot extend from ${from} to ${to} vCPUs`);
  const d = LaunchDigest.from(digest);
  const page = vmsaPage(ap.apEip, ap.vcpuSig, ap.guestFeatures);
  for (let n = from; n < to; n++) await d.vmsaPage(page);
  return d.value;
}
