/**
 * The NVIDIA H100 vectors (tests/fixtures/vectors/h100, see its FACTS.md and SOURCES.md) and the
 * expected values FACTS.md §7 states for them.
 */
import { parseReportHex } from '../../../../src/core/attest/nvidia/index.ts';
import { DEV_NRAS_JWKS } from '../../../../src/core/attest/roots/dev/index.ts';
import { HAS_AGPL_VECTORS, readVectorText } from '../../../helpers/vectors.ts';

export { HAS_AGPL_VECTORS };

/** A JWKS that does not hold the key of any real NRAS token: the development one (one key). */
export const OTHER_JWKS: unknown = DEV_NRAS_JWKS;

export interface H100Vector {
  name: string;
  report: Uint8Array;
  certChainPem: string;
  nonce: string;
  driver: string;
  vbios: string;
  project: string;
  projectSku: string;
  chipSku: string;
  fwid: 'present' | 'absent';
  /** FACTS.md §7 prefix … suffix of the FWID, when present. */
  fwidEnds?: [string, string];
  length: number;
  trailing: number;
  featureFlag: number | null;
  ppcie: boolean | null;
  switchPdis: number;
}

export const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

function evidenceJson(): { report: Uint8Array; certChainPem: string; nonce: string } {
  const [e] = JSON.parse(readVectorText('h100/evidence-json/hopper_evidence.json')) as { evidence: string; certificate: string; nonce: string }[];
  return { report: new Uint8Array(Buffer.from(e!.evidence, 'base64')), certChainPem: Buffer.from(e!.certificate, 'base64').toString('utf8'), nonce: e!.nonce };
}

export function h100Vectors(): H100Vector[] {
  const ej = evidenceJson();
  return [
    {
      name: 'nvtrust-sample',
      report: parseReportHex(readVectorText('h100/nvtrust-sample/hopperAttestationReport.txt')),
      certChainPem: readVectorText('h100/nvtrust-sample/hopperCertChain.txt'),
      nonce: '931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb',
      driver: '550.90.07',
      vbios: '96.00.9F.00.01',
      project: '1010',
      projectSku: '0200',
      chipSku: '882',
      fwid: 'present',
      fwidEnds: ['f5c384ae', '62b1f75d'],
      length: 4117,
      trailing: 0,
      featureFlag: null,
      ppcie: false,
      switchPdis: 0,
    },
    {
      name: 'trustee-coco',
      report: parseReportHex(readVectorText('h100/trustee-coco/hopper_coco_report1.txt')),
      certChainPem: readVectorText('h100/trustee-coco/hopper_coco_certs1.txt'),
      nonce: '87d8e24ab336adafe228d49e83d745f6dba4ae505372b6a5704820856b343fec',
      driver: '580.95.05',
      vbios: '96.00.74.00.1A',
      project: '1010',
      projectSku: '0200',
      chipSku: '882',
      fwid: 'present',
      fwidEnds: ['f1ae7d00', '921f7b2d'],
      length: 4130,
      trailing: 1,
      featureFlag: 0,
      ppcie: false,
      switchPdis: 0,
    },
    {
      name: 'sdk-535-sample',
      report: parseReportHex(readVectorText('h100/sdk-535-sample/hopperAttestationReport.txt')),
      certChainPem: readVectorText('h100/sdk-535-sample/hopperCertChain.txt'),
      nonce: '27a328247bf7935c993341cf587be6f05986ccce4fe7ba2c54100bd616a58f66',
      driver: '535.86.09',
      vbios: '96.00.5E.00.01',
      project: '1010',
      projectSku: '0200',
      chipSku: '882',
      fwid: 'absent',
      length: 4052,
      trailing: 0,
      featureFlag: null,
      ppcie: null,
      switchPdis: 0,
    },
    {
      name: 'evidence-json',
      report: ej.report,
      certChainPem: ej.certChainPem,
      nonce: 'e97b23a1718095a0e9e35edca810768c70a6a5a389b705e753b197912bc11576',
      driver: '590.12',
      vbios: '96.00.A5.00.01',
      project: 'G520',
      projectSku: '0200',
      chipSku: '885',
      fwid: 'present',
      length: 4274,
      trailing: 0,
      featureFlag: 2,
      ppcie: true,
      switchPdis: 18,
    },
  ];
}

export const rimText = {
  driver550_144_03: (): string => readVectorText('h100/rims/NV_GPU_DRIVER_GH100_550.144.03.xml'),
  incorrectSignature: (): string => readVectorText('h100/rims/incorrect_signature_driver_rim.xml'),
  vbios535: (): string => readVectorText('h100/sdk-535-sample/1010_0200_882_96005E0001_PROD.swidtag'),
};

/**
 * Test input only: NVIDIA-service output captured by an AGPL project (SOURCES.md); not committed
 * (tests/helpers/vectors.ts). Tests that read it run only when HAS_AGPL_VECTORS.
 */
export const agplNras = {
  token: (): string => readVectorText('h100/agpl-origin/vault-genome-nras/nras-response.json'),
  jwks: (): unknown => JSON.parse(readVectorText('h100/agpl-origin/vault-genome-nras/nras-jwks.EXCERPT.json')),
  iat: 1789591804,
  nonce: '27f4f430eb760662eacc0761c3b4d1cd63a08c02ddcfb168d065c3fd7a93383c',
  driver: '595.71.05',
  vbios: '96.00.9F.00.04',
  ueid: '622721942297844926908041030373242648900055531445',
};

export const nvtrustNras = {
  token: (): string => readVectorText('h100/nvtrust-sample/nras-detached-eat-for-this-sample.json'),
  iat: 1749601858,
  ueid: '478176379286082186618948445787393647364802107249',
};

/** A fixed time at which every device chain and both RIM signing chains are valid. */
export const RIM_TIME = new Date('2025-01-01T00:00:00Z');

export function flipBit(b: Uint8Array, byte: number, bit = 0): Uint8Array {
  const c = b.slice();
  c[byte]! ^= 1 << bit;
  return c;
}
