/**
 * The Library view end to end with the tiny test model: save the page the panel acts on, import
 * text, Markdown, HTML and PDF files, search, open a source, delete with a confirmation, export an
 * encrypted backup and import it again, and storage use.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ask, launch, loadTestModel, PANEL_PATH, ROOT, TEST_MODELS_DIR, type Session } from './harness.ts';
import { serveDir, type StaticServer } from './server.ts';

const SHOTS = join(ROOT, 'test-results', 'screenshots');
const PASS = 'correct horse battery staple';
const BACKUP_PASS = 'a different backup passphrase';
let site: StaticServer;
let models: StaticServer;
let session: Session;
let panel: Page;

/** A one-page PDF with real text in it (Helvetica, no embedded font), with a correct xref table. */
function tinyPdf(text: string): Buffer {
  const stream = `BT /F1 18 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

async function snap(name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await panel.emulateMedia({ colorScheme: scheme });
    await panel.screenshot({ path: join(SHOTS, `${name}-${scheme}.png`) });
  }
  await panel.emulateMedia({ colorScheme: 'light' });
}

const docTitles = () => panel.locator('[data-testid=doc-list] .doc-title').allTextContents();

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  site = await serveDir(join(ROOT, 'tests', 'e2e', 'pages'));
  models = await serveDir(TEST_MODELS_DIR);
  session = await launch();
  const setup = await session.openPage(PANEL_PATH);
  await loadTestModel(setup, models.origin);
  await ask(setup, 'library.setup', { passphrase: PASS });
  await ask(setup, 'kv.put', { key: 'panel.onboarding', value: 'complete' });
  const article = await session.context.newPage();
  await article.goto(site.url('article.html'));
  const tabId = await (await session.serviceWorker()).evaluate(async (url) => (await chrome.tabs.query({ url }))[0]!.id!, site.url('article.html'));
  await setup.close();
  panel = await session.context.newPage();
  await panel.setViewportSize({ width: 400, height: 820 });
  await panel.goto(`chrome-extension://${session.extensionId}/${PANEL_PATH}?tab=${tabId}`);
  await panel.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Library' }).click();
}, 120_000);

afterAll(async () => {
  await session?.close();
  await Promise.all([site?.close(), models?.close()]);
});

describe('the library view', () => {
  it('saves the page the panel acts on, and lists it with its site, date and size', async () => {
    await expect.poll(() => panel.getByTestId('save-page').count(), { timeout: 30_000 }).toBe(1);
    await panel.getByTestId('save-page').click();
    await expect.poll(() => panel.getByRole('status').filter({ hasText: 'Saved “The Lighthouse Keepers of Skerryvore”.' }).count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(docTitles).toEqual(['The Lighthouse Keepers of Skerryvore']);
    const meta = await panel.locator('.doc-meta').first().textContent();
    expect(meta).toMatch(/^127\.0\.0\.1 · .*\d{4}.* · \d+ B$/);
  });

  it('imports text, Markdown, HTML and PDF files; names a file it cannot read', async () => {
    await panel.getByTestId('import-input').setInputFiles([
      { name: 'tides.txt', mimeType: 'text/plain', buffer: Buffer.from('Spring tides at the harbour rise four metres above the quay steps.') },
      { name: 'ferry-notes.md', mimeType: 'text/markdown', buffer: Buffer.from('# Ferry timetable\n\nThe winter ferry leaves Hynish at seven every Tuesday.') },
      { name: 'gulls.html', mimeType: 'text/html', buffer: Buffer.from('<html><head><title>Gull survey</title><script>alert(1)</script></head><body><h1>Gulls</h1><p>Kittiwakes nest on the western cliffs each May.</p></body></html>') },
      { name: 'lamp.pdf', mimeType: 'application/pdf', buffer: tinyPdf('The paraffin lamp burned for nineteen hours in December.') },
      { name: 'spreadsheet.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: Buffer.from('PK') },
    ]);
    await expect.poll(() => panel.getByRole('status').filter({ hasText: /Imported 4 files; could not read: spreadsheet\.xlsx\./ }).count(), { timeout: 60_000 }).toBe(1);
    const titles = await docTitles();
    expect(titles).toEqual(expect.arrayContaining(['tides', 'Ferry timetable', 'Gull survey', 'lamp', 'The Lighthouse Keepers of Skerryvore']));
    const pdf = await ask<{ text: string }>(panel, 'library.get', { id: (await ask<{ id: number; title: string }[]>(panel, 'library.list')).find((d) => d.title === 'lamp')!.id });
    expect(pdf.text).toContain('The paraffin lamp burned for nineteen hours in December.');
    const html = await ask<{ text: string }>(panel, 'library.get', { id: (await ask<{ id: number; title: string }[]>(panel, 'library.list')).find((d) => d.title === 'Gull survey')!.id });
    expect(html.text).toContain('Kittiwakes nest on the western cliffs each May.');
    expect(html.text).not.toContain('alert(1)');
    await snap('library-docs');
  });

  it('searches the library and opens a saved file’s text in the panel', async () => {
    await panel.getByLabel('Search your library').fill('kittiwakes western cliffs');
    await panel.getByRole('search').getByRole('button', { name: 'Search' }).click();
    const results = panel.getByTestId('search-results');
    await expect.poll(() => results.locator('.result').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect(results.locator('.result').first().textContent()).resolves.toContain('Kittiwakes nest on the western cliffs');
    await snap('library-search');
    await results.locator('.result-title').first().click();
    const viewer = panel.getByRole('dialog', { name: 'Gull survey' });
    await expect.poll(() => viewer.count()).toBe(1);
    await expect(viewer.textContent()).resolves.toContain('Kittiwakes nest on the western cliffs each May.');
    await panel.keyboard.press('Escape');
    await panel.getByRole('button', { name: 'Clear search' }).click();
  });

  it('opens a saved page at the passage in a new tab', async () => {
    const opened = session.context.waitForEvent('page');
    await panel.locator('.doc-title', { hasText: 'The Lighthouse Keepers of Skerryvore' }).click();
    const tab = await opened;
    expect(tab.url()).toBe(site.url('article.html'));
    await tab.close();
  });

  it('deletes a document only after confirming', async () => {
    await panel.getByRole('button', { name: 'Delete “tides”' }).click();
    const dialog = panel.getByRole('dialog', { name: 'Delete document?' });
    await expect.poll(() => dialog.count()).toBe(1);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await docTitles()).toContain('tides');
    await panel.getByRole('button', { name: 'Delete “tides”' }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(docTitles).not.toContain('tides');
    await expect(ask<unknown[]>(panel, 'library.list')).resolves.toHaveLength(4);
  });

  it('exports an encrypted backup as a .json download and imports it again', async () => {
    await panel.getByText('Export a backup').click();
    await panel.getByLabel('Current passphrase').fill(PASS);
    await panel.locator('#bk-pass').fill(BACKUP_PASS);
    await panel.locator('#bk-confirm').fill(BACKUP_PASS);
    const download = panel.waitForEvent('download');
    await panel.getByRole('button', { name: 'Download backup' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^confidant-backup-\d{4}-\d\d-\d\d\.json$/);
    const path = join(ROOT, 'test-results', file.suggestedFilename());
    await file.saveAs(path);
    const { readFileSync } = await import('node:fs');
    const backup = readFileSync(path, 'utf8');
    expect(JSON.parse(backup).format).toBe('confidant-backup');
    expect(backup).not.toContain('Kittiwakes'); // sealed, not plain text

    await panel.getByText('Import a backup').click();
    await panel.getByLabel('Backup file').setInputFiles(path);
    await panel.locator('#bk-restore-pass').fill(BACKUP_PASS);
    await panel.getByRole('button', { name: 'Restore' }).click();
    await expect.poll(() => panel.getByRole('status').filter({ hasText: /Restored \d+ documents from the backup\./ }).count(), { timeout: 60_000 }).toBe(1);
  });

  it('shows storage use and asks Chrome to keep the library', async () => {
    await expect.poll(() => panel.locator('.storage-line').textContent()).toMatch(/used of .* available/);
    const keep = panel.getByRole('button', { name: 'Keep my library' });
    if (await keep.count()) {
      await keep.click();
      await expect.poll(() => panel.getByRole('status').filter({ hasText: /Chrome (will keep|did not agree)/ }).count()).toBe(1);
    }
  });

  it('logs no console errors', () => {
    expect(session.consoleErrors).toEqual([]);
  });
});
