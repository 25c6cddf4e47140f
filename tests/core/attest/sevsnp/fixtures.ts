/**
 * The real SEV-SNP vectors (outside the repo, see tests/helpers/vectors.ts) with the values
 * FACTS.md states for each, and a time at which each one's certificates are valid.
 */
import { HAS_AGPL_VECTORS, readVector, readVectorText } from '../../../helpers/vectors.ts';
import { reportBytesFromHex } from '../../../../src/core/attest/sevsnp/abi.ts';
import type { Product } from '../../../../src/core/attest/sevsnp/abi.ts';

export interface SnpVector {
  name: string;
  report: () => Uint8Array;
  vcek: () => Uint8Array;
  /** A time when ARK, ASK/ASVK and VCEK/VLEK are all valid. */
  validAt: Date;
  product: Product;
  productName: string;
  signingKey: 'VCEK' | 'VLEK';
  version: number;
  policy: bigint;
  vmpl: number;
  reportedTcb: bigint;
  reportedTcbParts: { bl: number; tee: number; snp: number; ucode: number };
  firmware: { major: number; minor: number; build: number };
  measurement: string;
  /** Full REPORT_DATA hex, when FACTS.md gives it. */
  reportData?: string;
  /** First 16 bytes of CHIP_ID, hex ('' = all zero). */
  chipIdPrefix: string;
  currentTcb?: bigint;
  cpuid?: [number, number, number];
}

const ZERO32 = '00'.repeat(32);

export const VECTORS: SnpVector[] = [
  {
    name: 'milan-virtee',
    report: () => reportBytesFromHex(readVectorText('snp/milan-virtee/report_milan.hex')),
    vcek: () => readVector('snp/milan-virtee/vcek_milan.der'),
    validAt: new Date('2025-06-01T00:00:00Z'),
    product: 'Milan',
    productName: 'Milan-B0',
    signingKey: 'VCEK',
    version: 2,
    policy: 0x30000n,
    vmpl: 0,
    reportedTcb: 0x7308000000000003n,
    reportedTcbParts: { bl: 3, tee: 0, snp: 8, ucode: 115 },
    firmware: { major: 1, minor: 52, build: 4 },
    measurement: '7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f',
    reportData:
      'd447b55d197491bfe15cf298f9de9986b7a7c4be2468b4f6e2d53b71d7c645810b0f2cdfca0040433be063fc1a8293f0f3f8dae7b79fecb3d1cd82bd6a93ebfd',
    chipIdPrefix: 'd49554ec717f4e5b0fe6b143bcf0405b',
  },
  {
    name: 'milan-go-sev-guest',
    report: () => readVector('snp/milan-go-sev-guest/attestation.bin'),
    vcek: () => readVector('snp/milan-go-sev-guest/vcek.der'),
    validAt: new Date('2025-06-01T00:00:00Z'),
    product: 'Milan',
    productName: 'Milan-B0',
    signingKey: 'VCEK',
    version: 2,
    policy: 0xb0000n,
    vmpl: 0,
    reportedTcb: 0x4405000000000002n,
    reportedTcbParts: { bl: 2, tee: 0, snp: 5, ucode: 68 },
    firmware: { major: 1, minor: 49, build: 3 },
    measurement: 'b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01',
    reportData: '0102030405' + '00'.repeat(59),
    chipIdPrefix: '3ac3fe21e13fb0990eb28a802e3fb6a2',
  },
  {
    name: 'milan-trustee',
    report: () => readVector('snp/milan-trustee/test-report.bin'),
    vcek: () => readVector('snp/milan-trustee/test-vcek.der'),
    validAt: new Date('2025-06-01T00:00:00Z'),
    product: 'Milan',
    productName: 'Milan-B0',
    signingKey: 'VCEK',
    version: 2,
    policy: 0x3001fn,
    vmpl: 0,
    reportedTcb: 0x7308000000000003n,
    reportedTcbParts: { bl: 3, tee: 0, snp: 8, ucode: 115 },
    firmware: { major: 1, minor: 52, build: 4 },
    measurement: 'a1f3930413247bb38cfc171579ea3c12d5fe4901f0c792f63fd75d98f1ef827c23500644e0e692e6be917f9050d3d38c',
    reportData: 'ec6c52d7533cc2c4f45be7849cf112ab82b2009fe7bd43e71ed08c14400ad7e2' + ZERO32,
    chipIdPrefix: 'c38427a30d4c7af9d96f7a15b9726982',
    currentTcb: 0xce08000000000003n,
  },
  {
    name: 'milan-vlek-trustee',
    report: () => readVector('snp/milan-vlek-trustee/test-vlek-report.bin'),
    vcek: () => readVector('snp/milan-vlek-trustee/test-vlek.der'),
    validAt: new Date('2025-01-01T00:00:00Z'),
    product: 'Milan',
    productName: 'Milan',
    signingKey: 'VLEK',
    version: 3,
    policy: 0x30000n,
    vmpl: 1,
    reportedTcb: 0xd918000000000004n,
    reportedTcbParts: { bl: 4, tee: 0, snp: 24, ucode: 217 },
    firmware: { major: 1, minor: 55, build: 29 },
    measurement: '8922ebbdd00ec2c541f36a6e7a82a8773a7accb451ed67bc94e740dbe92c93c4e8c9af857f5ceeb5a493df2a570d7bf0',
    chipIdPrefix: '',
    cpuid: [0x19, 0x01, 0x01],
  },
  {
    name: 'genoa-azure-trustee',
    report: () => readVector('snp/genoa-azure-trustee/snp-report.DERIVED.bin'),
    vcek: () => readVector('snp/genoa-azure-trustee/vcek-genoa.pem'),
    validAt: new Date('2026-06-01T00:00:00Z'),
    product: 'Genoa',
    productName: 'Genoa',
    signingKey: 'VCEK',
    version: 3,
    policy: 0x3001fn,
    vmpl: 0,
    reportedTcb: 0x541700000000000an,
    reportedTcbParts: { bl: 10, tee: 0, snp: 23, ucode: 84 },
    firmware: { major: 1, minor: 55, build: 40 },
    measurement: 'f57dc09a507c6ecd82369bffb600f0003792f4d99bc26e985ec0c266fc34faf3706faf814c9e61065768a6ff917c89ae',
    reportData: 'b581f12e29a2d7d64e5e0b738d563879a78b51c644d0fa0cce02b48699f6bf5f' + ZERO32,
    chipIdPrefix: '0506ffba875e939c2729d20c74eb72b4',
    cpuid: [0x19, 0x11, 0x01],
  },
];

/** Test input only, not committed (tests/helpers/vectors.ts): used when CONFIDANT_VECTORS has it. */
if (HAS_AGPL_VECTORS) {
  VECTORS.push(
  {
    name: 'genoa-tinfoil (agpl-origin)',
    report: () => readVector('snp/agpl-origin/genoa-tinfoil/snp-report.DERIVED.bin'),
    vcek: () => readVector('snp/agpl-origin/genoa-tinfoil/vcek.DERIVED.der'),
    validAt: new Date('2026-06-01T00:00:00Z'),
    product: 'Genoa',
    productName: 'Genoa',
    signingKey: 'VCEK',
    version: 3,
    policy: 0x30000n,
    vmpl: 0,
    reportedTcb: 0x541700000000000an,
    reportedTcbParts: { bl: 10, tee: 0, snp: 23, ucode: 84 },
    firmware: { major: 1, minor: 55, build: 40 },
    measurement: '09ef32acf90fcfeb6206d1a46c13145cef736ebbb83f18eaff680b686232031546ff5fd39c44599699ee8734cbbeb519',
    reportData:
      '71c31f35d2b06077bbae7c1ddf0cc4020408c8f39c68b04cf3d029d40bdd45e7' + '3565781f4ee796cfb144df2a31a3ae5e87747bb5ba91aafc6b80e2e268b8603d',
    chipIdPrefix: '1af1aa6c1f56037a05849a59b8815cf9',
    cpuid: [0x19, 0x11, 0x01],
  },
  );
}


export function vector(name: string): SnpVector {
  const v = VECTORS.find((x) => x.name.startsWith(name));
  if (!v) throw new Error(`no vector ${name}`);
  return v;
}

/** The amd-certs PEMs of the vectors folder. */
export const AMD_CERT_FILES = {
  ark_milan: 'snp/amd-certs/ark_milan.pem',
  ask_milan: 'snp/amd-certs/ask_milan.pem',
  ark_genoa: 'snp/amd-certs/ark_genoa.pem',
  ask_genoa: 'snp/amd-certs/ask_genoa.pem',
  ark_turin: 'snp/amd-certs/ark_turin.pem',
  ask_turin: 'snp/amd-certs/ask_turin.pem',
  asvk_ark_milan_vlek: 'snp/amd-certs/asvk_ark_milan_vlek.pem',
} as const;
