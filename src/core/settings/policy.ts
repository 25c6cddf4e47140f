/**
 * The attestation policy a gateway profile is checked under, built from the settings in one
 * place: the production policy, with the person's minimum TCB per product, the revocation rule,
 * and simulated evidence allowed only for a development profile (which settings.ts allows only on
 * a loopback address). The software itself (which MEASUREMENT) is appraised separately, against
 * the profile's trust source (src/core/trust), so the policy accepts any MEASUREMENT here.
 */
import { parsePolicy, type Policy, type PolicyJson } from '../attest/policy.ts';
import type { GatewayProfile, Settings } from './settings.ts';

export function policyJsonFor(settings: Settings, profile: GatewayProfile): PolicyJson {
  return {
    allowSimulated: profile.development,
    crl: settings.requireRevocation ? 'require' : 'fetch',
    snp: { minTcbByProduct: settings.minTcb },
  };
}

export function policyFor(settings: Settings, profile: GatewayProfile): Policy {
  return parsePolicy(policyJsonFor(settings, profile));
}
