/** What the details view shows of a verdict's claims, and the words for what was proven. */
import type { EvidenceClaims } from '../attest/evidence.ts';
import type { TcbClaim } from '../attest/sevsnp/index.ts';
import type { Check } from '../attest/types.ts';
import type { AttestClaimsView } from './types.ts';

/** "bl 3 · tee 0 · snp 8 · ucode 115" (and fmc on Turin). */
export function tcbText(t: TcbClaim | undefined): string | null {
  if (!t) return null;
  return (['bl', 'tee', 'snp', 'ucode', 'fmc'] as const)
    .filter((k) => t[k] !== undefined)
    .map((k) => `${k} ${t[k]}`)
    .join(' · ');
}

export function claimsView(c: EvidenceClaims, productHint: string | null = null): AttestClaimsView {
  return {
    measurement: c.measurement ?? null,
    tcb: tcbText(c.reportedTcb),
    chipId: c.chipId ?? null,
    product: c.productName ?? c.product ?? productHint,
    reportData: c.reportData ?? null,
    nonce: c.nonce,
    gpus: c.gpus.map((g) => ({ driverVersion: g.driverVersion, vbiosVersion: g.vbiosVersion, fwid: g.fwid })),
  };
}

export const EMPTY_CLAIMS: Readonly<AttestClaimsView> = Object.freeze({ measurement: null, tcb: null, chipId: null, product: null, reportData: null, nonce: null, gpus: [] });

/** `not-checked` when a revocation list that applies could not be read (snp.crl got "not checked"). */
export function revocationOf(checks: readonly Check[]): 'checked' | 'not-checked' | null {
  const crl = checks.filter((c) => c.id === 'snp.crl' || c.id.endsWith('.ocsp'));
  if (crl.length === 0) return null;
  return crl.some((c) => c.got === 'not checked') ? 'not-checked' : 'checked';
}
