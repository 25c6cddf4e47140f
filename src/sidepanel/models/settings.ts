/**
 * Settings: what the background keeps (gateway, trust policy, retrieval, locking, sites never
 * to read) and whether an API key is stored (sealed in the encrypted library).
 */
import { signal } from '@preact/signals';
import { ConfidantError, toErrorData, type ErrorData } from '../../core/errors.ts';
import type { Settings } from '../../messaging/background.ts';
import { parseGatewayUrl } from '../lib/input.ts';
import type { Platform, Transport } from '../transport.ts';

/** The gateway or the trust policy changed: the attestation must be checked again. */
export function trustChanged(a: Settings | null, b: Settings): boolean {
  if (!a) return b.gatewayUrl !== null;
  return (
    a.gatewayUrl !== b.gatewayUrl ||
    a.trustDev !== b.trustDev ||
    JSON.stringify(a.trustedMeasurements) !== JSON.stringify(b.trustedMeasurements) ||
    JSON.stringify(a.minTcb) !== JSON.stringify(b.minTcb)
  );
}

export interface SettingsDeps {
  transport: Transport;
  platform: Platform;
  /** Called after the gateway address changed (the root runs an attestation check). */
  onGatewayChanged?: () => void;
}

export function createSettingsModel({ transport, platform, onGatewayChanged }: SettingsDeps) {
  const settings = signal<Settings | null>(null);
  /** null: not known (the library is locked, or the background could not say). */
  const apiKeyPresent = signal<boolean | null>(null);
  const loadError = signal<ErrorData | null>(null);
  const saving = signal(false);
  const saveError = signal<ErrorData | null>(null);
  /** When the last save succeeded, for a "Saved" confirmation. */
  const savedAt = signal<number | null>(null);

  async function load(): Promise<void> {
    try {
      settings.value = await transport.request('settings.get', {});
      loadError.value = null;
    } catch (e) {
      loadError.value = toErrorData(e);
    }
    await refreshApiKey();
  }

  async function refreshApiKey(): Promise<void> {
    try {
      apiKeyPresent.value = (await transport.request('apiKey.status', {})).present;
    } catch {
      apiKeyPresent.value = null;
    }
  }

  async function run<T>(work: () => Promise<T>): Promise<T | null> {
    saving.value = true;
    saveError.value = null;
    try {
      const r = await work();
      savedAt.value = platform.now();
      return r;
    } catch (e) {
      saveError.value = toErrorData(e);
      return null;
    } finally {
      saving.value = false;
    }
  }

  /** Saves a change (the background passes the auto-lock time on to the engine, which runs the timer). */
  function save(patch: Partial<Settings>): Promise<boolean> {
    return run(async () => {
      const before = settings.value;
      settings.value = await transport.request('settings.set', patch);
      if (trustChanged(before, settings.value)) onGatewayChanged?.();
      return true;
    }).then((r) => r === true);
  }

  /**
   * Connects a gateway: asks for host access to its origin (this must be the first thing a click
   * handler does, while the click still counts as a user gesture), stores the API key sealed in
   * the library when one is given, then saves the address, which makes the background attest.
   */
  function connectGateway(address: string, apiKey: string | null): Promise<boolean> {
    const parsed = parseGatewayUrl(address);
    if (!parsed.ok) {
      saveError.value = { name: 'ConfidantError', code: 'E_BAD_REQUEST', message: parsed.errorKey, detail: { messageKey: parsed.errorKey } };
      return Promise.resolve(false);
    }
    const permission = platform.requestOrigin(parsed.pattern);
    return run(async () => {
      if (!(await permission)) throw new ConfidantError('E_BAD_REQUEST', 'gatewayErrPermission', { messageKey: 'gatewayErrPermission' });
      if (apiKey !== null && apiKey.trim()) {
        apiKeyPresent.value = (await transport.request('apiKey.set', { apiKey: apiKey.trim() })).present;
      }
      const changed = parsed.url !== settings.value?.gatewayUrl;
      settings.value = await transport.request('settings.set', { gatewayUrl: parsed.url });
      if (changed || apiKey) onGatewayChanged?.();
      return true;
    }).then((r) => r === true);
  }

  function setApiKey(apiKey: string | null): Promise<boolean> {
    return run(async () => {
      apiKeyPresent.value = (await transport.request('apiKey.set', { apiKey: apiKey && apiKey.trim() ? apiKey.trim() : null })).present;
      return true;
    }).then((r) => r === true);
  }

  function clearStatus(): void {
    saveError.value = null;
    savedAt.value = null;
  }

  return { settings, apiKeyPresent, loadError, saving, saveError, savedAt, load, refreshApiKey, save, connectGateway, setApiKey, clearStatus };
}

export type SettingsModel = ReturnType<typeof createSettingsModel>;
