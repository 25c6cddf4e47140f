/**
 * Settings: what the background keeps (gateway profiles with their trust sources, the trust
 * policy, retrieval, locking, sites never to read) and whether each gateway's API key is stored
 * (sealed in the encrypted library). Every change is validated again by the background.
 */
import { computed, signal } from '@preact/signals';
import { ConfidantError, toErrorData, type ErrorData } from '../../core/errors.ts';
import { hostPatternsFor } from '../../core/providers/hosts.ts';
import { parseGatewayUrl } from '../../core/settings/input.ts';
import { activeProfile, PROVIDER_DEFAULTS, randomProfileId, type GatewayProfile, type ProviderKind, type Settings, type TrustSource } from '../../core/settings/settings.ts';
import { answered } from '../lib/permission.ts';
import type { Platform, Transport } from '../transport.ts';

export { PERMISSION_TIMEOUT_MS } from '../lib/permission.ts';

export interface SettingsDeps {
  transport: Transport;
  platform: Platform;
  /** Called after the active gateway or its trust changed (the root runs an attestation check). */
  onGatewayChanged?: () => void;
}

/** What the person fills in to add a gateway. */
export interface GatewayDraft {
  provider: ProviderKind;
  url: string;
  label?: string;
  apiKey: string | null;
  /** Loopback only: accept simulated evidence (DEV). */
  development?: boolean;
  trust?: TrustSource;
  manifestUrl?: string;
}

function localError(code: ConfidantError['code'], key: string): ErrorData {
  return { name: 'ConfidantError', code, message: key, detail: { messageKey: key } };
}

export function createSettingsModel({ transport, platform, onGatewayChanged }: SettingsDeps) {
  const settings = signal<Settings | null>(null);
  /** Whether the active gateway's API key is stored; null: not known (the library is locked). */
  const apiKeyPresent = signal<boolean | null>(null);
  const loadError = signal<ErrorData | null>(null);
  const saving = signal(false);
  const saveError = signal<ErrorData | null>(null);
  /** When the last save succeeded, for a "Saved" confirmation. */
  const savedAt = signal<number | null>(null);
  /** A permission prompt went unanswered: the step can be tried again. */
  const permissionTimedOut = signal(false);
  const active = computed(() => (settings.value ? activeProfile(settings.value) : null));

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
    const p = active.value;
    if (!p) {
      apiKeyPresent.value = null;
      return;
    }
    try {
      apiKeyPresent.value = (await transport.request('apiKey.status', { profileId: p.id })).present;
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

  function trustKey(s: Settings | null): string {
    const p = s ? activeProfile(s) : null;
    return JSON.stringify([p && { ...p, label: '' }, s?.minTcb, s?.requireRevocation]);
  }

  /** Saves a change (the background validates the whole document and re-attests when trust changed). */
  function save(patch: Partial<Settings>): Promise<boolean> {
    return run(async () => {
      const before = trustKey(settings.value);
      settings.value = await transport.request('settings.set', patch);
      if (trustKey(settings.value) !== before) onGatewayChanged?.();
      return true;
    }).then((r) => r === true);
  }

  /**
   * Asks Chrome for the hosts a gateway needs. This must be the first thing a click handler does,
   * while the click still counts as a user gesture. A prompt nobody answers ends with a message.
   */
  function askHosts(patterns: string[]): Promise<boolean> {
    permissionTimedOut.value = false;
    return answered(platform.requestOrigins(patterns), { refused: 'gatewayErrPermission', timeout: 'gatewayErrPermissionTimeout' }, () => (permissionTimedOut.value = true));
  }

  /**
   * Adds a gateway of any provider and makes it the active one: host access first (in the click),
   * then the profile (the background validates it), then its API key, sealed in the library.
   */
  function addGateway(draft: GatewayDraft): Promise<boolean> {
    const parsed = parseGatewayUrl(draft.url);
    if (!parsed.ok) {
      saveError.value = localError('E_BAD_REQUEST', parsed.errorKey);
      return Promise.resolve(false);
    }
    const defaults = PROVIDER_DEFAULTS[draft.provider];
    const profile: GatewayProfile = {
      id: randomProfileId(),
      provider: draft.provider,
      label: draft.label?.trim() || defaults.label,
      url: parsed.url,
      development: draft.development === true && parsed.loopback,
      trust: draft.trust ?? defaults.trust,
      allowUnknownSoftware: false,
      ...(draft.provider === 'privatemode' ? { manifestUrl: draft.manifestUrl ?? defaults.manifestUrl! } : {}),
    };
    const permission = askHosts(hostPatternsFor(profile, platform.endpoints));
    return run(async () => {
      await permission;
      const s = settings.value;
      settings.value = await transport.request('settings.set', { gateways: [...(s?.gateways ?? []), profile], activeGatewayId: profile.id });
      if (draft.apiKey && draft.apiKey.trim()) apiKeyPresent.value = (await transport.request('apiKey.set', { profileId: profile.id, apiKey: draft.apiKey.trim() })).present;
      else apiKeyPresent.value = false;
      onGatewayChanged?.();
      return true;
    }).then((r) => r === true);
  }

  /**
   * The first run's one-step form: a gateway at `address` (a Confidant gateway unless said
   * otherwise). Adds it and makes it active, or just stores a new key for the active one. A
   * development gateway is only ever one the person marked as such (and only on this machine).
   */
  function connectGateway(address: string, apiKey: string | null, opts: { provider?: ProviderKind; development?: boolean } = {}): Promise<boolean> {
    const provider = opts.provider ?? 'confidant';
    const parsed = parseGatewayUrl(address);
    const cur = active.value;
    if (parsed.ok && cur && cur.provider === provider && cur.url === parsed.url) {
      const permission = askHosts(hostPatternsFor(cur, platform.endpoints));
      return run(async () => {
        await permission;
        if (apiKey !== null && apiKey.trim()) apiKeyPresent.value = (await transport.request('apiKey.set', { profileId: cur.id, apiKey: apiKey.trim() })).present;
        onGatewayChanged?.();
        return true;
      }).then((r) => r === true);
    }
    return addGateway({ provider, url: address, apiKey, development: opts.development === true });
  }

  /** Changes one gateway (label, trust source, development, "send even when unknown"). */
  function updateGateway(id: string, patch: Partial<Omit<GatewayProfile, 'id' | 'provider'>>): Promise<boolean> {
    const s = settings.value;
    if (!s) return Promise.resolve(false);
    return save({ gateways: s.gateways.map((g) => (g.id === id ? { ...g, ...patch } : g)) });
  }

  function removeGateway(id: string): Promise<boolean> {
    const s = settings.value;
    if (!s) return Promise.resolve(false);
    const gateways = s.gateways.filter((g) => g.id !== id);
    return save({ gateways, activeGatewayId: s.activeGatewayId === id ? (gateways[0]?.id ?? null) : s.activeGatewayId }).then(async (ok) => {
      await refreshApiKey();
      return ok;
    });
  }

  function activateGateway(id: string): Promise<boolean> {
    return save({ activeGatewayId: id }).then(async (ok) => {
      await refreshApiKey();
      return ok;
    });
  }

  function setApiKey(apiKey: string | null): Promise<boolean> {
    const p = active.value;
    if (!p) return Promise.resolve(false);
    return run(async () => {
      apiKeyPresent.value = (await transport.request('apiKey.set', { profileId: p.id, apiKey: apiKey && apiKey.trim() ? apiKey.trim() : null })).present;
      return true;
    }).then((r) => r === true);
  }

  function clearStatus(): void {
    saveError.value = null;
    savedAt.value = null;
    permissionTimedOut.value = false;
  }

  return {
    settings,
    active,
    apiKeyPresent,
    loadError,
    saving,
    saveError,
    savedAt,
    permissionTimedOut,
    load,
    refreshApiKey,
    save,
    addGateway,
    connectGateway,
    updateGateway,
    removeGateway,
    activateGateway,
    setApiKey,
    clearStatus,
  };
}

export type SettingsModel = ReturnType<typeof createSettingsModel>;
