import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8'));
const messages = JSON.parse(readFileSync(join(ROOT, 'public', '_locales', 'en', 'messages.json'), 'utf8'));

describe('manifest', () => {
  it('asks for the fewest permissions, and host access only at run time', () => {
    expect([...manifest.permissions].sort()).toEqual(['activeTab', 'contextMenus', 'offscreen', 'scripting', 'sidePanel', 'storage']);
    expect(manifest.host_permissions).toBeUndefined();
    // Listing tabs by title is asked for only when the person chooses several tabs to ask about.
    expect(manifest.optional_permissions).toEqual(['tabs']);
    const all = JSON.stringify(manifest);
    expect(all).not.toContain('<all_urls>');
    expect(manifest.content_scripts).toBeUndefined(); // injected on demand only
    expect(manifest.optional_host_permissions).toEqual(expect.arrayContaining(['https://*/*']));
  });

  it('allows no remote code: only our own scripts and WASM', () => {
    expect(manifest.content_security_policy.extension_pages).toBe("script-src 'self' 'wasm-unsafe-eval'; object-src 'self'");
  });

  it('is a module service worker, a side panel, and a shortcut that opens it', () => {
    expect(manifest.manifest_version).toBe(3);
    expect(manifest.background).toEqual({ service_worker: 'src/background/index.ts', type: 'module' });
    expect(manifest.side_panel.default_path).toBe('src/sidepanel/index.html');
    expect(manifest.commands._execute_action.suggested_key.default).toBeTruthy();
  });

  it('names every message as Chrome requires ([A-Za-z0-9_@]), or the whole extension fails to load', () => {
    expect(Object.keys(messages).filter((k) => !/^[A-Za-z0-9_@]+$/.test(k))).toEqual([]);
  });

  it('has every referenced icon and translated string', () => {
    for (const p of Object.values(manifest.icons) as string[]) expect(existsSync(join(ROOT, 'public', p))).toBe(true);
    const keys = [...JSON.stringify(manifest).matchAll(/__MSG_(\w+)__/g)].map((m) => m[1]!);
    for (const k of keys) expect(messages[k]?.message, k).toBeTruthy();
  });
});
