import { describe, expect, it } from 'vitest';
import type { AttestationView, PanelEvent } from '../../src/messaging/background.ts';
import type { LibraryState } from '../../src/messaging/library.ts';
import { createAttestationModel } from '../../src/sidepanel/models/attestation.ts';
import { createLibraryModel } from '../../src/sidepanel/models/library.ts';
import { createOnboardingModel } from '../../src/sidepanel/models/onboarding.ts';
import { createSettingsModel } from '../../src/sidepanel/models/settings.ts';
import { FakePlatform, FakeTransport, SETTINGS } from './fakes.ts';

const UNLOCKED: LibraryState = { initialized: true, unlocked: true, protection: 'passphrase', documents: 0, autoLockMinutes: 15 };

describe('settings', () => {
  it('connecting a gateway asks for its origin first, then stores the key sealed, then saves the address', async () => {
    const t = new FakeTransport().on('apiKey.set', () => ({ present: true })).on('settings.set', (p) => ({ ...SETTINGS, ...p }));
    const p = new FakePlatform();
    const order: string[] = [];
    const origRequest = t.request.bind(t);
    t.request = ((type: never, payload: never) => (order.push(type), origRequest(type, payload))) as typeof t.request;
    const origPermission = p.requestOrigin.bind(p);
    p.requestOrigin = (pattern) => (order.push(`permission ${pattern}`), origPermission(pattern));
    let changed = 0;
    const s = createSettingsModel({ transport: t, platform: p, onGatewayChanged: () => changed++ });
    expect(await s.connectGateway('https://gw2.example.com/', ' secret ')).toBe(true);
    expect(order).toEqual(['permission https://gw2.example.com/*', 'apiKey.set', 'settings.set']);
    expect(t.payloadOf('apiKey.set')).toEqual({ apiKey: 'secret' });
    expect(t.payloadOf('settings.set')).toEqual({ gatewayUrl: 'https://gw2.example.com' });
    expect(s.apiKeyPresent.value).toBe(true);
    expect(changed).toBe(1);
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
    expect(p.log).toEqual(['permission https://gw.example.com/*']);
  });

  it('a change to the gateway or the trust policy asks for a new attestation; other changes do not', async () => {
    const t = new FakeTransport().on('settings.get', () => SETTINGS).on('apiKey.status', () => ({ present: false })).on('settings.set', (p) => ({ ...SETTINGS, ...p }));
    let checks = 0;
    const s = createSettingsModel({ transport: t, platform: new FakePlatform(), onGatewayChanged: () => checks++ });
    await s.load();
    expect(await s.save({ passages: 8, autoLockMinutes: 5 })).toBe(true);
    expect(checks).toBe(0);
    expect(s.settings.value?.autoLockMinutes).toBe(5);
    await s.save({ trustDev: true });
    expect(checks).toBe(1);
  });
});

describe('attestation', () => {
  const view = (state: AttestationView['state']): AttestationView => ({
    state,
    gatewayUrl: 'https://gw',
    checkedAt: 1,
    expiresAt: 2,
    keyId: 'k',
    model: 'm',
    simulated: false,
    checks: [],
    claims: null,
    error: null,
  });

  it('follows attest.changed events, checks again, exports the transcript', async () => {
    let gateway: string | null = null;
    const t = new FakeTransport().on('attest.check', () => view('verified')).on('attest.transcript', () => ({ fileName: 'transcript.json', json: '{}' }));
    const p = new FakePlatform();
    const a = createAttestationModel({ transport: t, platform: p, gatewayUrl: () => gateway });
    expect(a.state.value).toBe('not-configured');
    gateway = 'https://gw';
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
  function lib(t: FakeTransport, p = new FakePlatform(), sites: string[] = []) {
    return createLibraryModel({ transport: t, platform: p, neverReadSites: () => sites });
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

  it('saves the page it acts on, refusing sites never to read', async () => {
    const t = new FakeTransport()
      .on('tabs.active', () => ({ tabId: 3, url: 'https://bank.example.com/acct', title: 'Bank' }))
      .on('page.extract', () => ({ url: 'https://a.com', title: 'A', lang: 'en', byline: null, text: 'text', selection: null }))
      .on('library.save', ({ doc }) => ({ id: 1, kind: doc.kind, title: doc.title, url: doc.url, site: 'a.com', createdAt: 1, bytes: 4, chunks: 1, modelId: 'm' }))
      .on('library.list', () => [])
      .on('storage.usage', () => ({ usage: 1, quota: 2, persisted: false }));
    const l = lib(t, new FakePlatform(), ['example.com']);
    l.state.value = UNLOCKED;
    await l.savePage();
    expect(l.error.value?.error.detail?.messageKey).toBe('neverReadSite');
    expect(t.types()).toEqual(['tabs.active']);
    const l2 = lib(t);
    l2.state.value = UNLOCKED;
    await l2.savePage();
    expect(t.payloadOf('page.extract')).toEqual({ tabId: 3 });
    expect(l2.notice.value).toEqual({ kind: 'saved', title: 'A' });
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
    expect(await createLibraryModel({ transport: t, platform: p, neverReadSites: () => [] }).activeTab()).toEqual({ tabId: 1, url: 'chrome-extension://x/panel.html', title: 'Panel' });
    p.tabOverride = 5;
    p.tabs.set(5, { url: 'http://127.0.0.1/a', title: 'A' });
    expect(await createLibraryModel({ transport: t, platform: p, neverReadSites: () => [] }).activeTab()).toEqual({ tabId: 5, url: 'http://127.0.0.1/a', title: 'A' });
    t.on('tabs.active', () => ({ tabId: 5, url: 'http://127.0.0.1/a#x', title: 'A' }));
    expect(await createLibraryModel({ transport: t, platform: p, neverReadSites: () => [] }).activeTab()).toEqual({ tabId: 5, url: 'http://127.0.0.1/a#x', title: 'A' });
  });
});
