/**
 * Trust anchors for SEV-SNP: which ARK and ASK/ASVK a verification accepts. Always an explicit
 * parameter of verification (default: AMD's pinned roots only); development roots for simulated
 * evidence are added by the caller, and only when its policy allows simulated evidence.
 */
import {
  ARK_GENOA_PEM,
  ARK_MILAN_PEM,
  ARK_TURIN_PEM,
  ASK_GENOA_PEM,
  ASK_MILAN_PEM,
  ASK_TURIN_PEM,
  ASVK_MILAN_PEM,
} from '../roots/amd/index.ts';
import type { Product } from './abi.ts';

export interface SnpTrustAnchor {
  product: Product;
  /** `amd`: AMD's published roots. `dev`: development roots that sign simulated evidence. */
  source: 'amd' | 'dev';
  /** Self-signed ARK, PEM. */
  ark: string;
  /** ASK (issues VCEKs), PEM. */
  ask?: string;
  /** ASVK (issues VLEKs), PEM. */
  asvk?: string;
}

/** AMD's roots for every product line, as pinned in src/core/attest/roots/amd/. */
export const AMD_TRUST_ANCHORS: readonly SnpTrustAnchor[] = Object.freeze([
  { product: 'Milan', source: 'amd', ark: ARK_MILAN_PEM, ask: ASK_MILAN_PEM, asvk: ASVK_MILAN_PEM },
  { product: 'Genoa', source: 'amd', ark: ARK_GENOA_PEM, ask: ASK_GENOA_PEM },
  { product: 'Turin', source: 'amd', ark: ARK_TURIN_PEM, ask: ASK_TURIN_PEM },
]);

/** KDS base address (57230 §4). */
export const KDS_BASE = 'https://kdsintf.amd.com';

/** Where AMD publishes the CRL that covers the ASK (VCEK) or ASVK (VLEK) of a product. */
export function kdsCrlUrl(product: Product, key: 'VCEK' | 'VLEK'): string {
  return `${KDS_BASE}/${key === 'VLEK' ? 'vlek' : 'vcek'}/v1/${product}/crl`;
}
