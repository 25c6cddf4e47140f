import { afterAll, describe, expect, it } from 'vitest';
import { launch, openRealSidePanel, PANEL_PATH, type Session } from './harness.ts';

let session: Session;
afterAll(async () => session?.close());

describe('the real side panel', () => {
  it('opens beside the page and renders with its engine ready', async () => {
    session = await launch();
    const opener = await session.openPage(PANEL_PATH);
    const panel = await openRealSidePanel(session, opener);
    let text = '';
    for (let i = 0; i < 100 && !/Library engine ready/.test(text); i++) {
      text = await panel.evaluate<string>("document.querySelector('[data-testid=engine-status]')?.textContent ?? ''");
      if (!/Library engine ready/.test(text)) await new Promise((r) => setTimeout(r, 200));
    }
    expect(text).toMatch(/Library engine ready: SQLite 3\.45\.3/);
    expect(await panel.evaluate<string>('document.title')).toBe('Confidant');
    await panel.close();
  });
});
