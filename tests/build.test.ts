/**
 * The store build (`dist/`, made by `npm run build` before the unit stage of `npm test`) holds no
 * test-only code and nothing a site could use to detect Confidant: no web-accessible resources,
 * no debug handlers, no test endpoint overrides, no benchmark page (review findings 10 and 16).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIST = join(import.meta.dirname, '..', 'dist');
const built = existsSync(join(DIST, 'manifest.json'));

describe.skipIf(!built)('the store build (dist/)', () => {
  it('has no web_accessible_resources and no host permissions up front', () => {
    const m = JSON.parse(readFileSync(join(DIST, 'manifest.json'), 'utf8'));
    expect(m.web_accessible_resources).toBeUndefined();
    expect(m.host_permissions).toBeUndefined();
  });

  it('contains no debug handlers, test overrides or benchmark page', () => {
    const js = readdirSync(join(DIST, 'assets'))
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(join(DIST, 'assets', f), 'utf8'))
      .join('\n');
    for (const marker of ['debug.synthetic', 'debug.readPage', 'debug.embed', 'test.endpoints', 'test.trustedRoot']) expect(js, marker).not.toContain(marker);
    expect(existsSync(join(DIST, 'bench'))).toBe(false);
  });
});

it.runIf(!built)('store build checks skipped: run `npm run build` first (npm test does)', () => {});
