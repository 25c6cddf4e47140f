/**
 * Gateway API keys: kept in the encrypted library (sealed secrets in the engine), one per gateway
 * profile. Read when a request is sent (and, for Privatemode, when it attests).
 */
import { ConfidantError } from '../core/errors.ts';
import type { GatewayProfile } from '../core/settings/settings.ts';
import { engine } from './relay.ts';

/** The sealed secret holding a gateway's API key. */
export const apiKeySecret = (profileId: string) => `gateway.${profileId}.apiKey`;
/** Where version 1 kept the one gateway's key (read as a fallback after the settings migration). */
const LEGACY_API_KEY = 'gateway.apiKey';

export async function apiKeyFor(profile: GatewayProfile): Promise<string | null> {
  try {
    return (await engine('secret.get', { name: apiKeySecret(profile.id) })) ?? (await engine('secret.get', { name: LEGACY_API_KEY }));
  } catch (e) {
    if (e instanceof ConfidantError && e.code === 'E_LOCKED') throw new ConfidantError('E_LOCKED', 'Unlock the library first: the gateway API key is kept in it, encrypted.', { messageKey: 'errLockedKey' });
    throw e;
  }
}

