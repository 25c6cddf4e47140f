/**
 * The ID key digest a Contrast guest reports (ID_KEY_DIGEST). Contrast launches every guest with an
 * ID block for its expected launch digest and policy, "signed" with the fixed signature (r = 2,
 * s = 1): the ID key is whatever public key that signature recovers to (SEC 1 §4.1.6), so the key's
 * digest is a pure function of (launch digest, policy) and needs no secret anywhere
 * (Contrast internal/idblock). Requiring it proves the guest was launched through that path, with
 * that measurement and policy, as Contrast's own validator does (RequireIDBlock).
 *
 * ID block (AMD 56860 Table 74): LD(48) ‖ FAMILY_ID(16) = 01 00… ‖ IMAGE_ID(16) = 02 00… ‖
 * VERSION u32 = 1 ‖ GUEST_SVN u32 = 2 ‖ POLICY u64. ID_KEY (Table 140): CURVE u32 = 2 (P-384) ‖
 * QX (72, little-endian) ‖ QY (72) ‖ 0x370 reserved. ID_KEY_DIGEST = SHA-384(ID_KEY).
 * P-384 point recovery is @noble/curves' (audited, no dependencies).
 */
import { p384 } from '@noble/curves/nist.js';
import { sha384 } from '../../bytes.ts';

const U = (n: number | bigint, bytes: number): Uint8Array => {
  const out = new Uint8Array(bytes);
  let v = BigInt(n);
  for (let i = 0; i < bytes; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
};

export function idBlock(launchDigest: Uint8Array, policy: bigint): Uint8Array {
  const b = new Uint8Array(0x60);
  b.set(launchDigest, 0);
  b[0x30] = 0x01; // FAMILY_ID
  b[0x40] = 0x02; // IMAGE_ID
  b.set(U(1, 4), 0x50); // VERSION
  b.set(U(2, 4), 0x54); // GUEST_SVN
  b.set(U(policy, 8), 0x58);
  return b;
}

/** SHA-384 of the ID_KEY structure Contrast derives for this launch digest and POLICY value. */
export async function contrastIdKeyDigest(launchDigest: Uint8Array, policy: bigint): Promise<Uint8Array> {
  const hash = await sha384(idBlock(launchDigest, policy));
  // r = 2, s = 1 (big-endian scalars for noble); both y-parities give a candidate key.
  const compact = new Uint8Array(96);
  compact[47] = 2;
  compact[95] = 1;
  const sig = p384.Signature.fromBytes(compact, 'compact');
  const keys = [0, 1].map((bit) => sig.addRecoveryBit(bit).recoverPublicKey(hash).toAffine());
  keys.sort((a, b) => (a.x === b.x ? (a.y < b.y ? -1 : a.y > b.y ? 1 : 0) : a.x < b.x ? -1 : 1));
  const k = keys[0]!;
  const idKey = new Uint8Array(0x404);
  idKey.set(U(2, 4), 0);
  idKey.set(U(k.x, 48), 0x04);
  idKey.set(U(k.y, 48), 0x4c);
  return sha384(idKey);
}
