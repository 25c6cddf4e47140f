/**
 * AMD's SEV-SNP roots as pinned PEM text, by product line. Which of them a verification trusts is
 * decided by the caller (see `amdTrustAnchors` in ../../sevsnp/roots.ts), never by the evidence.
 */
export { ARK_MILAN_PEM, ASK_MILAN_PEM, ASVK_MILAN_PEM } from './milan.ts';
export { ARK_GENOA_PEM, ASK_GENOA_PEM } from './genoa.ts';
export { ARK_TURIN_PEM, ASK_TURIN_PEM } from './turin.ts';
