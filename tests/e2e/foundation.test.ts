import { afterAll, describe, expect, it } from 'vitest';
import { ask, DIST, launch, newProfileDir, PANEL_PATH, removeProfileDir, stopServiceWorkers, type Session } from './harness.ts';

const profile = newProfileDir();
let session: Session | undefined;

afterAll(async () => {
  await session?.close();
  removeProfileDir(profile);
});

describe('foundation: the store build (dist/) in real Chromium', () => {
  it('starts its service worker', async () => {
    session = await launch(profile, { dist: DIST });
    expect(session.extensionId).toMatch(/^[a-p]{32}$/);
    const sw = await session.serviceWorker();
    expect(sw.url()).toBe(`chrome-extension://${session.extensionId}/service-worker-loader.js`);
  });

  it('renders the side panel page and its engine opens SQLite with vec0 and FTS5 on OPFS', async () => {
    const page = await session!.openPage(PANEL_PATH);
    await expect.poll(() => page.getByTestId('engine-status').textContent(), { timeout: 30_000 }).toMatch(/Library engine ready/);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Confidant');
    const status = await ask<{ sqliteVersion: string; vecVersion: string; fts5: boolean; vfs: string; schemaVersion: number }>(page, 'engine.status');
    expect(status.sqliteVersion).toBe('3.45.3');
    expect(status.vecVersion).toMatch(/^v0\.1\./);
    expect(status.fts5).toBe(true);
    expect(status.vfs).toBe('confidant-sahpool');
    expect(status.schemaVersion).toBeGreaterThanOrEqual(1);
  });

  it('keeps exactly one offscreen document when many requests race to create it', async () => {
    const page = await session!.openPage(PANEL_PATH);
    const values = await Promise.all(Array.from({ length: 12 }, (_, i) => ask(page, 'kv.put', { key: `race-${i}`, value: String(i) })));
    expect(values).toHaveLength(12);
    const sw = await session!.serviceWorker();
    const count = await sw.evaluate(async () => (await chrome.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT' as chrome.runtime.ContextType] })).length);
    expect(count).toBe(1);
  });

  it('writes to the database, and the service worker stopped mid-test is revived by the next panel message with nothing lost', async () => {
    const page = await session!.openPage(PANEL_PATH);
    await ask(page, 'kv.put', { key: 'greeting', value: 'survives restarts' });
    const before = await ask<{ startedAt: number }>(page, 'bg.ping');

    await stopServiceWorkers(page);
    // The next message wakes a fresh worker (new start time) that finds the same data.
    const after = await ask<{ startedAt: number }>(page, 'bg.ping');
    expect(after.startedAt).toBeGreaterThan(before.startedAt);
    await expect(ask(page, 'kv.get', { key: 'greeting' })).resolves.toBe('survives restarts');
  });

  it('keeps the data after the browser is closed and relaunched on the same profile', async () => {
    await session!.close();
    session = await launch(profile, { dist: DIST });
    const page = await session.openPage(PANEL_PATH);
    await expect(ask(page, 'kv.get', { key: 'greeting' })).resolves.toBe('survives restarts');
    await expect(ask(page, 'kv.get', { key: 'race-11' })).resolves.toBe('11');
  });

  it('logs no console errors on its pages', async () => {
    expect(session!.consoleErrors).toEqual([]);
  });
});
