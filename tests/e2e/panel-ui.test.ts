/**
 * The side panel's UI in real Chromium (dist-test), without a gateway: first run with a
 * passphrase, locking and unlocking, settings that save, the attestation control's words,
 * keyboard reach, and a layout that holds at 320 px. Screenshots of each main view in light and
 * dark go to test-results/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ask, launch, openRealSidePanel, PANEL_PATH, ROOT, type Session } from './harness.ts';

const PASS = 'correct horse battery staple';
const PASS2 = 'a brand new passphrase';
const SHOTS = join(ROOT, 'test-results', 'screenshots');
let session: Session;
let panel: Page;

async function snap(name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await panel.emulateMedia({ colorScheme: scheme });
    await panel.screenshot({ path: join(SHOTS, `${name}-${scheme}.png`) });
  }
  await panel.emulateMedia({ colorScheme: 'light' });
}

async function tab(name: 'Ask' | 'Library' | 'Settings'): Promise<void> {
  await panel.getByRole('navigation', { name: 'Views' }).getByRole('button', { name }).click();
}

/** Visible elements that stick out past the right edge, or scroll sideways without being meant to. */
async function overflowing(width: number): Promise<string[]> {
  return panel.evaluate((width) => {
    const out: string[] = [];
    const scrollable = new Set(['PRE', 'TEXTAREA']);
    for (const el of document.querySelectorAll<HTMLElement>('body *')) {
      const cs = getComputedStyle(el);
      if (cs.display === 'none' || cs.visibility === 'hidden' || el.closest('.sr-only') || el.closest('dialog:not([open])')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      const name = `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? `.${el.className.split(' ').join('.')}` : ''}`;
      if (r.right > width + 0.5) out.push(`${name} right=${Math.round(r.right)}`);
      if (el.scrollWidth > el.clientWidth + 1 && (cs.overflowX === 'auto' || cs.overflowX === 'scroll') && !scrollable.has(el.tagName) && !el.classList.contains('table-wrap'))
        out.push(`${name} scrolls sideways (${el.scrollWidth} > ${el.clientWidth})`);
    }
    return out;
  }, width);
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  session = await launch();
  panel = await session.context.newPage();
  await panel.setViewportSize({ width: 380, height: 760 });
  await panel.goto(`chrome-extension://${session.extensionId}/${PANEL_PATH}`);
});
afterAll(async () => session?.close());

describe('the side panel without a gateway', () => {
  it('says "Not configured" in the attestation control before a gateway is set', async () => {
    const control = panel.getByRole('button', { name: /^Attestation: Not configured/ });
    await expect.poll(() => control.count(), { timeout: 30_000 }).toBe(1);
    await expect(control.getAttribute('aria-haspopup')).resolves.toBe('dialog');
  });

  it('first run: explains both protections, catches a mistyped passphrase, creates the library with one', async () => {
    await expect.poll(() => panel.getByRole('heading', { name: 'Welcome to Confidant' }).count(), { timeout: 30_000 }).toBe(1);
    await expect(panel.getByText(/protects your library even from someone who can use this browser profile/i).count()).resolves.toBe(1);
    await expect(panel.getByText(/protects only against someone copying the files off the disk/i).count()).resolves.toBe(1);
    await expect.poll(() => panel.getByTestId('engine-status').textContent(), { timeout: 30_000 }).toMatch(/Library engine ready: SQLite 3\.45\.3/);
    await snap('onboarding');

    await panel.getByLabel('Passphrase', { exact: true }).fill(PASS);
    await panel.getByLabel('Repeat the passphrase').fill(`${PASS}!`);
    await panel.getByRole('button', { name: 'Create my library' }).click();
    await expect(panel.getByRole('alert').textContent()).resolves.toContain('The two passphrases are not the same.');
    await expect(ask(panel, 'library.state')).resolves.toMatchObject({ initialized: false });

    await panel.getByLabel('Repeat the passphrase').fill(PASS);
    await panel.getByRole('button', { name: 'Create my library' }).click();
    await expect.poll(() => panel.getByText('Step 2 of 3').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect(ask(panel, 'library.state')).resolves.toMatchObject({ initialized: true, unlocked: true, protection: 'passphrase' });
    await expect(panel.getByRole('button', { name: 'Download the embedding model (once, ~23 MB)' }).count()).resolves.toBe(1);
    await snap('onboarding-model');

    await panel.getByRole('button', { name: 'Not now' }).click();
    await expect.poll(() => panel.getByRole('heading', { name: 'Connect a confidential AI endpoint' }).count()).toBe(1);
    await snap('onboarding-gateway');
    await panel.getByRole('button', { name: 'Skip for now' }).click();
    await panel.getByRole('button', { name: 'Start asking' }).click();
    await expect.poll(() => panel.getByLabel('Ask', { exact: true }).count()).toBe(1);
    await snap('ask');
  });

  it('keeps its place: reloading after the first run opens the Ask view, not the first run again', async () => {
    await panel.reload();
    await expect.poll(() => panel.getByLabel('Ask', { exact: true }).count(), { timeout: 30_000 }).toBe(1);
    await expect(panel.getByRole('heading', { name: 'Welcome to Confidant' }).count()).resolves.toBe(0);
  });

  it('keyboard: Tab reaches the Ask box, then Send, with a visible focus ring', async () => {
    await panel.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const focused = () => panel.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return el ? { id: el.id, tag: el.tagName, text: el.textContent?.trim() ?? '', label: el.getAttribute('aria-label') } : null;
    });
    let reached = false;
    for (let i = 0; i < 30 && !reached; i++) {
      await panel.keyboard.press('Tab');
      reached = (await focused())?.id === 'ask-input';
    }
    expect(reached).toBe(true);
    await panel.keyboard.type('What is this page about?');
    let send = false;
    for (let i = 0; i < 6 && !send; i++) {
      await panel.keyboard.press('Tab');
      const f = await focused();
      send = f?.tag === 'BUTTON' && f.text === 'Send';
    }
    expect(send).toBe(true);
    const ring = await panel.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(ring).not.toBe('none');
    // Enter in the box sends: with no gateway configured the panel says what to do next.
    await panel.getByLabel('Ask', { exact: true }).press('Enter');
    await expect.poll(() => panel.getByRole('alert').textContent()).toContain('No gateway is set up yet');
    await expect(panel.getByRole('alert').getByRole('button', { name: 'Open Settings' }).count()).resolves.toBe(1);
    await expect(panel.getByLabel('Ask', { exact: true }).inputValue()).resolves.toBe('What is this page about?');
    await snap('ask-error');
  });

  it('locks, refuses a wrong passphrase with a clear message, and unlocks with the right one', async () => {
    await panel.getByRole('button', { name: 'Lock library' }).click();
    await expect.poll(() => panel.getByTestId('unlock-card').count()).toBe(1);
    await expect(ask(panel, 'library.state')).resolves.toMatchObject({ unlocked: false });
    await panel.getByLabel('Passphrase', { exact: true }).fill('not the passphrase');
    await panel.getByTestId('unlock-card').getByRole('button', { name: 'Unlock' }).click();
    await expect.poll(() => panel.getByTestId('unlock-card').getByRole('alert').textContent(), { timeout: 30_000 }).toContain('That passphrase is not right');
    await expect(panel.getByLabel('Passphrase', { exact: true }).getAttribute('aria-invalid')).resolves.toBe('true');
    await snap('unlock-wrong');
    await panel.getByLabel('Passphrase', { exact: true }).fill(PASS);
    await panel.getByTestId('unlock-card').getByRole('button', { name: 'Unlock' }).click();
    await expect.poll(() => panel.getByTestId('unlock-card').count(), { timeout: 30_000 }).toBe(0);
    await expect(ask(panel, 'library.state')).resolves.toMatchObject({ unlocked: true });
    await expect(panel.getByRole('button', { name: 'Lock library' }).count()).resolves.toBe(1);
  });

  it('settings: a bad TCB value is caught in the form; each section saves with its own named button; answers survive a reload', async () => {
    await tab('Settings');
    const trust = panel.locator('#settings-trust');
    await expect(trust.getByLabel('Microcode').first().getAttribute('placeholder')).resolves.toBe('213');
    await trust.getByLabel('Microcode').first().fill('nine');
    await panel.getByRole('button', { name: 'Save Trust policy' }).click();
    await expect(trust.getByText('Each part is a whole number from 0 to 255, or blank.').count()).resolves.toBe(1);
    await trust.getByLabel('Microcode').first().fill('');
    // Every section's Save button has a name of its own.
    const names = await panel.locator('.settings button[type=submit]').evaluateAll((bs) => bs.map((b) => b.getAttribute('aria-label') ?? b.textContent?.trim()));
    expect(new Set(names).size).toBe(names.length);

    await panel.getByLabel('Passages to retrieve').fill('9');
    await panel.getByLabel('Confirm before sending').check();
    await panel.getByTestId('save-answers').click();
    await expect.poll(() => panel.locator('#settings-answers').getByRole('status').textContent()).toContain('Saved.');
    await expect(ask(panel, 'settings.get')).resolves.toMatchObject({ passages: 9, confirmBeforeSend: true });

    await panel.getByLabel('Lock the library after (minutes idle)').fill('30');
    await panel.getByLabel('Sites never to read').fill('bank.example.com\nhttps://mail.example.org/inbox');
    await panel.locator('#settings-privacy').getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => panel.locator('#settings-privacy').getByRole('status').textContent()).toContain('Saved.');
    await expect(ask(panel, 'settings.get')).resolves.toMatchObject({ autoLockMinutes: 30, neverReadSites: ['bank.example.com', 'mail.example.org'] });
    await expect(ask(panel, 'library.state')).resolves.toMatchObject({ autoLockMinutes: 30 });
    // The form shows what was stored (a full address became its site).
    await expect.poll(() => panel.getByLabel('Sites never to read').inputValue()).toBe('bank.example.com\nmail.example.org');
    await expect(panel.evaluate(() => document.activeElement?.textContent?.trim())).resolves.toBe('Save');
    await snap('settings');

    await panel.reload();
    await expect.poll(() => panel.getByLabel('Ask', { exact: true }).count(), { timeout: 30_000 }).toBe(1);
    await tab('Settings');
    await expect(panel.getByLabel('Passages to retrieve').inputValue()).resolves.toBe('9');
    await expect(panel.getByLabel('Confirm before sending').isChecked()).resolves.toBe(true);
    // A reload locks nothing by itself, but a passphrase library stays as it was.
    if ((await ask<{ unlocked: boolean }>(panel, 'library.state')).unlocked === false) {
      await ask(panel, 'library.unlock', { passphrase: PASS });
    }
  });

  it('opens the attestation details from the header and closes them with Esc', async () => {
    await panel.getByRole('button', { name: /^Attestation: Not configured/ }).click();
    const dialog = panel.getByRole('dialog', { name: 'Gateway attestation' });
    await expect.poll(() => dialog.count()).toBe(1);
    await expect(dialog.getByTestId('attest-state').textContent()).resolves.toContain('Not configured');
    await snap('attestation');
    await panel.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
  });

  it('shows the library with what it needs next', async () => {
    await tab('Library');
    await expect.poll(() => panel.getByRole('button', { name: 'Save this page' }).count(), { timeout: 30_000 }).toBe(1);
    await expect(panel.getByText('Nothing saved yet.', { exact: false }).count()).resolves.toBe(1);
    await expect.poll(() => panel.getByText(/used of .* available/).count()).toBe(1);
    await snap('library');
  });

  it('holds its layout at 320 px in every view', async () => {
    await panel.setViewportSize({ width: 320, height: 640 });
    for (const view of ['Ask', 'Library', 'Settings'] as const) {
      await tab(view);
      await panel.waitForTimeout(200);
      expect(await panel.evaluate(() => document.documentElement.scrollWidth), view).toBeLessThanOrEqual(320);
      expect(await overflowing(320), view).toEqual([]);
    }
    await panel.getByRole('button', { name: /^Attestation:/ }).click();
    await expect.poll(() => panel.getByRole('dialog').count()).toBe(1);
    expect(await overflowing(320), 'attestation dialog').toEqual([]);
    await panel.screenshot({ path: join(SHOTS, 'attestation-320-light.png') });
    await panel.keyboard.press('Escape');
    await tab('Ask');
    await panel.screenshot({ path: join(SHOTS, 'ask-320-light.png') });
    await panel.setViewportSize({ width: 380, height: 760 });
  });

  it('renders in the real side panel, its header control naming the attestation state', async () => {
    const opener = await session.openPage(PANEL_PATH);
    const real = await openRealSidePanel(session, opener);
    let name = '';
    for (let i = 0; i < 100 && !name; i++) {
      name = await real.evaluate<string>("document.querySelector('[data-testid=attest-button]')?.getAttribute('aria-label') ?? ''");
      if (!name) await new Promise((r) => setTimeout(r, 200));
    }
    expect(name).toBe('Attestation: Not configured. Show details');
    expect(await real.evaluate<boolean>("!!document.querySelector('#ask-input')")).toBe(true);
    await real.close();
    await opener.close();
  });

  it('changes the passphrase: the old one no longer unlocks, the new one does', async () => {
    await tab('Settings');
    const section = panel.locator('#settings-passphrase');
    await section.getByLabel('Current passphrase').fill(PASS);
    await section.getByLabel('New passphrase').fill(PASS2);
    await section.getByLabel('Repeat the passphrase').fill(PASS2);
    await section.getByRole('button', { name: 'Change passphrase' }).click();
    await expect.poll(() => section.getByRole('status').textContent(), { timeout: 60_000 }).toContain('Library protection changed.');
    await ask(panel, 'library.lock');
    await expect(ask(panel, 'library.unlock', { passphrase: PASS })).rejects.toThrow(/E_WRONG_PASSPHRASE/);
    await ask(panel, 'library.unlock', { passphrase: PASS2 });
  });

  it('wipes everything only after the typed confirmation, then starts over', async () => {
    await tab('Settings');
    await panel.getByRole('button', { name: 'Wipe everything…' }).click();
    const dialog = panel.getByRole('dialog', { name: 'Wipe everything' });
    await expect.poll(() => dialog.count()).toBe(1);
    const confirm = dialog.getByRole('button', { name: 'Wipe everything' });
    await expect(confirm.isDisabled()).resolves.toBe(true);
    await dialog.getByLabel('Type “wipe” to confirm').fill('wipe');
    await expect(confirm.isDisabled()).resolves.toBe(false);
    await snap('wipe');
    await confirm.click();
    await expect.poll(() => panel.getByRole('heading', { name: 'Welcome to Confidant' }).count(), { timeout: 30_000 }).toBe(1);
    await expect(ask(panel, 'library.state')).resolves.toMatchObject({ initialized: false });
    await expect(ask(panel, 'settings.get')).resolves.toMatchObject({ gateways: [], activeGatewayId: null, neverReadSites: [] });
  });

  it('logs no console errors', () => {
    expect(session.consoleErrors).toEqual([]);
  });
});
