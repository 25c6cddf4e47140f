// TEMPORARY STUB so the extension builds while the verifier's policy module is written.
// The colleague writing src/core/attest phase 2 replaces this whole file.
export type PolicyJson = Record<string, unknown>;
export type Policy = { json: PolicyJson };
export function parsePolicy(json: PolicyJson): Policy {
  return { json };
}
