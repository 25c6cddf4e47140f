import { describe, expect, it, vi } from 'vitest';
import type { AttestationView } from '../../src/messaging/views.ts';
import type { PanelEvent } from '../../src/messaging/panel-api.ts';
import type { LibraryState } from '../../src/messaging/library.ts';
import { createAttestationModel } from '../../src/sidepanel/models/attestation.ts';
import { createLibraryModel } from '../../src/sidepanel/models/library.ts';
import { createOnboardingModel } from '../../src/sidepanel/models/onboarding.ts';
import { createSettingsModel, PERMISSION_TIMEOUT_MS } from '../../src/sidepanel/models/settings.ts';
import { EMPTY_VIEW } from '../../src/messaging/views.ts';
import { FakePlatform, FakeTransport, PROFILE_ID, SETTINGS } from './fakes.ts';

const UNLOCKED: LibraryState = { initialized: true, unlocked: true, protection: 'passphrase', documents: 0, autoLockMinutes: 15 };

describe('settings', () => {
  function withOrder(t: FakeTransport, p: FakePlatform): string[] {
    const order: string[] = [];
    const origRequest = t.request.bind(t);
    t.request = ((type: never, payload: never) => (order.push(type), origRequest(type, payload))) as typeof t.request;
    const origPermission = p.requestOrigins.bind(p);
    p.requestOrigins = (patterns) => (order.push(`permission ${patterns.join(' ')}`), origPermission(patterns));
    return order;
  }

  it('adding a gateway asks for its hosts first (in the click), then saves the profile, then stores its key sealed', async () => {
    const t = new FakeTransport().on('apiKey.set', () => ({ present: true })).on('settings.set', (p) => ({ ...SETTINGS, ...p }));
    const p = new FakePlatform();
    const order = withOrder(t, p);
    let changed = 0;
    const s = createSettingsModel({ transport: t, platform: p, onGatewayChanged: () => changed++ });
    expect(await s.connectGateway('https://gw2.example.com/', ' secret ')).toBe(true);
    // The gateway itself, and AMD KDS for the revocation list of its SEV-SNP chain.
    expect(order).toEqual(['permission https://gw2.example.com/* https://kdsintf.amd.com/*', 'settings.set', 'apiKey.set']);
    const saved = t.payloadOf('settings.set')!;
    const profile = saved.gateways!.at(-1)!;
    expect(profile).toMatchObject({ provider: 'confidant', url: 'https://gw2.example.com', development: false, trust: { kind: 'none' } });
    expect(saved.activeGatewayId).toBe(profile.id);
    expect(t.payloadOf('apiKey.set')).toEqual({ profileId: profile.id, apiKey: 'secret' });
    expect(s.apiKeyPresent.value).toBe(true);
    expect(changed).toBe(1);
  });

  it('a Tinfoil gateway asks for the enclave, AMD KDS and GitHub (its releases), and trusts its published releases', async () => {
    const t = new FakeTransport().on('settings.set', (p) => ({ ...SETTINGS, ...p }));
    const p = new FakePlatform();
    const s = createSettingsModel({ transport: t, platform: p });
    expect(await s.addGateway({ provider: 'tinfoil', url: 'https://inference.tinfoil.sh', apiKey: null })).toBe(true);
    expect(p.log[0]).toBe(
      'permission https://inference.tinfoil.sh/* https://kdsintf.amd.com/* https://api.github.com/* https://github.com/* https://objects.githubusercontent.com/* https://release-assets.githubusercontent.com/*',
    );
    expect(t.payloadOf('settings.set')!.gateways!.at(-1)).toMatchObject({ provider: 'tinfoil', trust: { kind: 'releases', repo: 'tinfoilsh/confidential-model-router' } });
  });

  it('a local address is not a development gateway until the person marks it one; marked, it asks only for itself', async () => {
    const t = new FakeTransport().on('settings.set', (p) => ({ ...SETTINGS, ...p }));
    const p = new FakePlatform();
    const s = createSettingsModel({ transport: t, platform: p });
    expect(await s.connectGateway('localhost:8787', null)).toBe(true);
    expect(t.payloadOf('settings.set')!.gateways!.at(-1)).toMatchObject({ url: 'http://localhost:8787', development: false });
    expect(await s.addGateway({ provider: 'confidant', url: 'localhost:8788', apiKey: null, development: true })).toBe(true);
    expect(p.log.at(-1)).toBe('permission http://localhost/*');
    expect(t.lastPayloadOf('settings.set')!.gateways!.at(-1)).toMatchObject({ url: 'http://localhost:8788', development: true });
    // …but never for a remote address, whatever the form says.
    expect(await s.addGateway({ provider: 'confidant', url: 'https://gw.example.com', apiKey: null, development: true })).toBe(true);
    expect(t.lastPayloadOf('settings.set')!.gateways!.at(-1)).toMatchObject({ url: 'https://gw.example.com', development: false });
  });

  it('a refused permission or a bad address saves nothing', async () => {
    const t = new FakeTransport();
    const p = new FakePlatform();
    p.granted = false;
    const s = createSettingsModel({ transport: t, platform: p });
    expect(await s.connectGateway('https://gw.example.com', null)).toBe(false);
    expect(s.saveError.value?.detail?.messageKey).toBe('gatewayErrPermission');
    expect(await s.connectGateway('http://gw.example.com', null)).toBe(false);
    expect(s.saveError.value?.detail?.messageKey).toBe('gatewayErrInsecure');
    expect(t.calls).toEqual([]);
    expect(p.log).toEqual(['permission https://gw.example.com/* https://kdsintf.amd.com/*']);
  });

  it('a permission prompt nobody answers ends with a message, not an endless spinner', async () => {
    vi.useFakeTimers();
    try {
      const t = new FakeTransport();
      const p = new FakePlatform();
      p.requestOrigins = () => new Promise(() => {});
      const s = createSettingsModel({ transport: t, platform: p });
      const pending = s.connectGateway('https://gw.example.com', null);
      await vi.advanceTimersByTimeAsync(PERMISSION_TIMEOUT_MS + 1);
      expect(await pending).toBe(false);
      expect(s.saving.value).toBe(false);
      expect(s.permissionTimedOut.value).toBe(true);
      expect(s.saveError.value?.detail?.messageKey).toBe('gatewayErrPermissionTimeout');
      expect(t.calls).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a change to the gateway or the trust policy asks for a new attestation; other changes do not', async () => {
    const t = new FakeTransport().on('settings.get', () => SETTINGS).on('apiKey.status', () => ({ present: false })).on('settings.set', (p) => ({ ...SETTINGS, ...p }));
    let checks = 0;
    const s = createSettingsModel({ transport: t, platform: new FakePlatform(), onGatewayChanged: () => checks++ });
    await s.load();
    expect(await s.save({ passages: 8, autoLockMinutes: 5 })).toBe(true);
    expect(checks).toBe(0);
    expect(s.settings.value?.autoLockMinutes).toBe(5);
    await s.updateGateway(PROFILE_ID, { trust: { kind: 'tofu' } });
    expect(checks).toBe(1);
    await s.save({ requireRevocation: true });
    expect(checks).toBe(2);
  });
});

describe('attestation', () => {
  const view = (state: AttestationView['state']): AttestationView => ({
    ...EMPTY_VIEW,
    state,
    profileId: PROFILE_ID,
    provider: 'confidant',
    gatewayUrl: 'https://gw',
    checkedAt: 1,
    expiresAt: 2,
    keyId: 'k',
    model: 'm',
  });

  it('follows attest.changed events, checks again, exports the transcript', async () => {
    let gateway = false;
    const t = new FakeTransport().on('attest.check', () => view('verified')).on('attest.transcript', () => ({ fileName: 'transcript.json', json: '{}' }));
    const p = new FakePlatform();
    const a = createAttestationModel({ transport: t, platform: p, hasGateway: () => gateway });
    expect(a.state.value).toBe('not-configured');
    gateway = true;
    t.emit({ type: 'attest.changed', payload: view('failed') } as PanelEvent);
    expect(a.state.value).toBe('failed');
    const checking = a.check();
    expect(a.state.value).toBe('checking');
    await checking;
    expect(a.state.value).toBe('verified');
    expect(await a.exportTranscript()).toBe(true);
    expect(p.downloads).toEqual([{ fileName: 'transcript.json', text: '{}', mime: 'application/json' }]);
    a.dispose();
  });
});

describe('library', () => {
  function lib(t: FakeTransport, p = new FakePlatform()) {
    return createLibraryModel({ transport: t, platform: p });
  }

  it('unlock with a wrong passphrase reports E_WRONG_PASSPHRASE against the unlock action', async () => {
    const t = new FakeTransport().fail('library.unlock', 'E_WRONG_PASSPHRASE', 'Wrong passphrase.');
    const l = lib(t);
    expect(await l.unlock('nope')).toBeNull();
    expect(l.error.value).toMatchObject({ action: 'unlock', error: { code: 'E_WRONG_PASSPHRASE' } });
    t.on('library.unlock', () => UNLOCKED).on('library.list', () => []).on('storage.usage', () => ({ usage: 1, quota: 2, persisted: false }));
    expect(await l.unlock('right')).toBe(true);
    expect(l.error.value).toBeNull();
    expect(l.docs.value).toEqual([]);
  });

  it('has the background save the page it acts on (the text never comes to the panel), and shows its refusals', async () => {
    const t = new FakeTransport()
      .on('tabs.active', () => ({ tabId: 3, url: 'https://a.com', title: 'A' }))
      .on('page.save', () => ({ id: 1, kind: 'page' as const, title: 'A', url: 'https://a.com', site: 'a.com', createdAt: 1, bytes: 4, chunks: 1, modelId: 'm' }))
      .on('library.list', () => [])
      .on('storage.usage', () => ({ usage: 1, quota: 2, persisted: false }));
    const l = lib(t);
    l.state.value = UNLOCKED;
    await l.savePage();
    expect(t.types().slice(0, 2)).toEqual(['tabs.active', 'page.save']);
    expect(t.payloadOf('page.save')).toEqual({ tabId: 3 });
    expect(l.notice.value).toEqual({ kind: 'saved', title: 'A' });
    t.fail('page.save', 'E_UNREADABLE_PAGE', 'never', { messageKey: 'neverReadSite', site: 'a.com' });
    await l.savePage();
    expect(l.error.value?.error.detail?.messageKey).toBe('neverReadSite');
  });

  it('imports what it can read and names what it could not', async () => {
    const p = new FakePlatform();
    p.docs.set('a.md', { kind: 'file', title: 'A', url: null, text: '# A' });
    const t = new FakeTransport()
      .on('library.save', ({ doc }) => ({ id: 1, kind: doc.kind, title: doc.title, url: null, site: null, createdAt: 1, bytes: 3, chunks: 1, modelId: 'm' }))
      .on('library.list', () => [])
      .on('storage.usage', () => ({ usage: 1, quota: 2, persisted: false }));
    const l = lib(t, p);
    l.state.value = UNLOCKED;
    await l.importFiles([
      { name: 'a.md', type: 'text/markdown', size: 3 },
      { name: 'b.docx', type: '', size: 3 },
    ]);
    expect(l.notice.value).toEqual({ kind: 'imported', count: 1, failed: ['b.docx'] });
  });

  it('exports a backup as a dated .json download', async () => {
    const p = new FakePlatform();
    const t = new FakeTransport().on('library.export', () => '{"format":"confidant-backup"}');
    const l = lib(t, p);
    await l.exportBackup('current pass', 'backup pass');
    expect(t.payloadOf('library.export')).toEqual({ currentPassphrase: 'current pass', backupPassphrase: 'backup pass' });
    expect(p.downloads[0]).toMatchObject({ text: '{"format":"confidant-backup"}', mime: 'application/json' });
    expect(p.downloads[0]!.fileName).toMatch(/^confidant-backup-\d{4}-\d\d-\d\d\.json$/);
  });

  it('engine events: progress shows until finished; an idle lock empties the view', async () => {
    const t = new FakeTransport().on('library.state', () => ({ ...UNLOCKED, unlocked: false }));
    const l = lib(t);
    l.state.value = UNLOCKED;
    l.docs.value = [];
    t.emit({ type: 'engine.event', payload: { kind: 'progress', progress: { task: 'embed', done: 1, total: 4 } } });
    expect(l.progress.value).toMatchObject({ done: 1 });
    t.emit({ type: 'engine.event', payload: { kind: 'progress', progress: { task: 'embed', done: 4, total: 4 } } });
    expect(l.progress.value).toBeNull();
    t.emit({ type: 'engine.event', payload: { kind: 'locked', reason: 'idle' } });
    expect(l.unlocked.value).toBe(false);
    expect(l.docs.value).toBeNull();
    expect(l.lockCount.value).toBe(1);
  });
});

describe('onboarding', () => {
  it('starts at protecting the library, resumes where it was left, and finishes once', async () => {
    const kv = new Map<string, string>();
    const t = new FakeTransport().on('kv.get', ({ key }) => kv.get(key) ?? null).on('kv.put', ({ key, value }) => (kv.set(key, value), null));
    let state: LibraryState | null = { initialized: false, unlocked: false, protection: null, documents: 0, autoLockMinutes: 15 };
    const o = createOnboardingModel({ transport: t, libraryState: () => state });
    await o.load();
    expect([o.needed.value, o.step.value]).toEqual([true, 'protect']);
    state = UNLOCKED;
    await o.go('gateway');
    const again = createOnboardingModel({ transport: t, libraryState: () => state });
    await again.load();
    expect([again.needed.value, again.step.value]).toEqual([true, 'gateway']);
    await again.finish();
    const third = createOnboardingModel({ transport: t, libraryState: () => state });
    await third.load();
    expect(third.needed.value).toBe(false);
  });
});

describe('the tab the panel acts on', () => {
  it('is the background\'s active tab; with ?tab= (test build) that tab, even before the background honours it', async () => {
    const t = new FakeTransport().on('tabs.active', () => ({ tabId: 1, url: 'chrome-extension://x/panel.html', title: 'Panel' }));
    const p = new FakePlatform();
    expect(await createLibraryModel({ transport: t, platform: p }).activeTab()).toEqual({ tabId: 1, url: 'chrome-extension://x/panel.html', title: 'Panel' });
    p.tabOverride = 5;
    p.tabs.set(5, { url: 'http://127.0.0.1/a', title: 'A' });
    expect(await createLibraryModel({ transport: t, platform: p }).activeTab()).toEqual({ tabId: 5, url: 'http://127.0.0.1/a', title: 'A' });
    t.on('tabs.active', () => ({ tabId: 5, url: 'http://127.0.0.1/a#x', title: 'A' }));
    expect(await createLibraryModel({ transport: t, platform: p }).activeTab()).toEqual({ tabId: 5, url: 'http://127.0.0.1/a#x', title: 'A' });
  });
});
