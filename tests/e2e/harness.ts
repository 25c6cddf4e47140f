/**
 * Real Chromium with the built extension loaded (dist/), driven by Playwright.
 * The browser: CHROME_PATH, else /usr/bin/chromium, else a Chrome or Chromium on the PATH.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';

export const ROOT = resolve(import.meta.dirname, '..', '..');
/** The store build. */
export const DIST = join(ROOT, 'dist');
/** The same code built with `--mode test` (loopback host permission, `?tab=`); see vite.config.ts. */
export const DIST_TEST = process.env.CONFIDANT_DIST_TEST ?? join(ROOT, 'dist-test');

export function findChrome(): string {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  for (const name of ['google-chrome', 'google-chrome-stable', 'chromium', 'chromium-browser', 'chrome']) {
    try {
      const p = execFileSync('which', [name], { encoding: 'utf8' }).trim();
      if (p) return p;
    } catch {
      /* not on PATH */
    }
  }
  throw new Error('No Chromium found: set CHROME_PATH, or install Debian\'s chromium (apt-get install -y chromium).');
}

export interface Session {
  context: BrowserContext;
  extensionId: string;
  profileDir: string;
  /** Console errors from every extension page and worker, so a test can assert a clean console. */
  consoleErrors: string[];
  serviceWorker(): Promise<Worker>;
  openPage(path: string): Promise<Page>;
  close(): Promise<void>;
}

export function newProfileDir(): string {
  return mkdtempSync(join(tmpdir(), 'confidant-profile-'));
}

export function removeProfileDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * `webgpu`: a WebGPU adapter on SwiftShader (Chromium's CPU implementation of Vulkan) instead of
 * no GPU at all, so the embedding model's WebGPU path runs for real on a machine without a GPU.
 */
export async function launch(profileDir: string = newProfileDir(), opts: { extraArgs?: string[]; dist?: string; webgpu?: boolean } = {}): Promise<Session> {
  const dist = opts.dist ?? DIST_TEST;
  if (!existsSync(join(dist, 'manifest.json'))) throw new Error(`${dist} is missing: run \`npm run build\` first.`);
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: findChrome(),
    headless: true,
    args: [
      `--disable-extensions-except=${dist}`,
      `--load-extension=${dist}`,
      '--no-sandbox',
      ...(opts.webgpu ? ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'] : ['--disable-gpu']),
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...(opts.extraArgs ?? []),
    ],
  });
  const consoleErrors: string[] = [];
  const watch = (p: Page) =>
    p.on('console', (m) => {
      if (m.type() === 'error' && p.url().startsWith('chrome-extension://')) consoleErrors.push(`${p.url()}: ${m.text()}`);
    });
  context.on('page', watch);
  context.pages().forEach(watch);

  async function serviceWorker(): Promise<Worker> {
    const existing = context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://'));
    if (existing) return existing;
    return context.waitForEvent('serviceworker', { timeout: 30_000 });
  }
  const sw = await serviceWorker();
  const extensionId = new URL(sw.url()).host;

  return {
    context,
    extensionId,
    profileDir,
    consoleErrors,
    serviceWorker,
    async openPage(path: string) {
      const page = await context.newPage();
      await page.goto(`chrome-extension://${extensionId}/${path.replace(/^\//, '')}`);
      return page;
    },
    async close() {
      await context.close();
    },
  };
}

/** Stops every service worker, as Chrome does to an idle one. The next event must revive it. */
export async function stopServiceWorkers(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  await cdp.detach();
}

export const PANEL_PATH = 'src/sidepanel/index.html';

/** Sends a typed request from an extension page, exactly as the panel does. */
export async function ask<T = unknown>(page: Page, type: string, payload: unknown = {}): Promise<T> {
  return page.evaluate(
    async ([type, payload]) => {
      const reply = await chrome.runtime.sendMessage({ target: 'background', type, payload });
      if (!reply) throw new Error(`no reply to ${type}`);
      if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
      return reply.value;
    },
    [type, payload] as const,
  ) as Promise<T>;
}

/**
 * The real side panel. A Playwright click in an extension page whose handler calls
 * chrome.sidePanel.open counts as a user gesture; the panel is then a CDP target (not in
 * context.pages()), reached with Target.attachToTarget and Runtime.evaluate.
 */
export interface RealPanel {
  evaluate<T>(expression: string): Promise<T>;
  close(): Promise<void>;
}

export async function openRealSidePanel(session: Session, opener: Page): Promise<RealPanel> {
  await opener.evaluate(() => {
    const b = document.createElement('button');
    b.id = '__open_panel';
    b.textContent = 'open panel';
    b.onclick = () => {
      void chrome.windows.getCurrent().then((w) => chrome.sidePanel.open({ windowId: w.id! }));
    };
    document.body.append(b);
  });
  await opener.click('#__open_panel');
  const cdp = await session.context.newCDPSession(opener);
  const panelUrl = `chrome-extension://${session.extensionId}/${PANEL_PATH}`;
  let targetId: string | undefined;
  for (let i = 0; i < 100 && !targetId; i++) {
    const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: { targetId: string; url: string; type: string }[] };
    // The opener tab may show the same URL; the panel is the other one.
    const openerTarget = await cdp.send('Target.getTargetInfo').catch(() => null);
    const openerId = (openerTarget as { targetInfo?: { targetId: string } } | null)?.targetInfo?.targetId;
    targetId = targetInfos.find((t) => t.type === 'page' && t.url.startsWith(panelUrl) && t.targetId !== openerId)?.targetId;
    if (!targetId) await new Promise((r) => setTimeout(r, 100));
  }
  if (!targetId) throw new Error('the side panel did not open');
  const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId, flatten: false })) as { sessionId: string };
  let nextId = 1;
  const waiting = new Map<number, (m: { result?: { result: { value: unknown }; exceptionDetails?: unknown }; error?: unknown }) => void>();
  cdp.on('Target.receivedMessageFromTarget', (ev: { sessionId: string; message: string }) => {
    if (ev.sessionId !== sessionId) return;
    const msg = JSON.parse(ev.message) as { id?: number };
    if (msg.id !== undefined) waiting.get(msg.id)?.(msg as never);
  });
  return {
    async evaluate<T>(expression: string): Promise<T> {
      const id = nextId++;
      const reply = new Promise<{ result?: { result: { value: unknown }; exceptionDetails?: unknown }; error?: unknown }>((r) => waiting.set(id, r));
      await cdp.send('Target.sendMessageToTarget', {
        sessionId,
        message: JSON.stringify({ id, method: 'Runtime.evaluate', params: { expression, awaitPromise: true, returnByValue: true } }),
      });
      const m = await reply;
      waiting.delete(id);
      if (m.error || m.result?.exceptionDetails) throw new Error(`panel evaluate failed: ${JSON.stringify(m.error ?? m.result?.exceptionDetails)}`);
      return m.result!.result.value as T;
    },
    async close() {
      await cdp.detach();
    },
  };
}

/** Where `npm run make-test-models` writes the generated models; tests serve them from a local origin. */
export const TEST_MODELS_DIR = join(ROOT, '.cache', 'models');

/** Loads a generated model through the product's real download path, from `origin` (serving .cache/models). */
export async function loadTestModel(page: Page, origin: string, modelId = 'confidant-test/tiny'): Promise<void> {
  const state = await ask<{ state: string; error?: string }>(page, 'model.load', { modelId, remoteHost: `${origin}/`, remotePathTemplate: '{model}/', threads: 1 });
  if (state.state !== 'ready') throw new Error(`model did not load: ${JSON.stringify(state)}`);
}

/** Every byte of the extension's OPFS files, read from an extension page (the engine must be stopped). */
export async function readOpfs(page: Page): Promise<{ files: number; bytes: Buffer }> {
  const b64 = await page.evaluate(async () => {
    const parts: string[] = [];
    let files = 0;
    async function walk(dir: FileSystemDirectoryHandle): Promise<void> {
      for await (const [, h] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
        if (h.kind === 'directory') await walk(h as FileSystemDirectoryHandle);
        else {
          const buf = new Uint8Array(await (await (h as FileSystemFileHandle).getFile()).arrayBuffer());
          files++;
          let s = '';
          for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode(...buf.subarray(i, i + 0x8000));
          parts.push(btoa(s));
        }
      }
    }
    await walk(await navigator.storage.getDirectory());
    return { files, parts };
  });
  return { files: b64.files, bytes: Buffer.concat(b64.parts.map((p) => Buffer.from(p, 'base64'))) };
}

/** Closes the offscreen document, so the engine worker stops and releases its OPFS handles. */
export async function stopEngine(session: Session): Promise<void> {
  const sw = await session.serviceWorker();
  await sw.evaluate(async () => {
    if ((await chrome.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT' as chrome.runtime.ContextType] })).length) await chrome.offscreen.closeDocument();
  });
}

export interface GatewaySetup {
  url: string;
  provider?: 'confidant' | 'privatemode' | 'tinfoil';
  /** Loopback only: accept simulated evidence (DEV). */
  development?: boolean;
  trust?: { kind: 'none' } | { kind: 'tofu' } | { kind: 'releases'; repo: string } | { kind: 'pinned'; values: string[] };
  allowUnknownSoftware?: boolean;
  apiKey?: string | null;
  label?: string;
  manifestUrl?: string;
}

/**
 * Makes `g` the active gateway, as the panel's Settings does (settings.set, then apiKey.set): the
 * profile with the same provider and address is updated, or a new one added. Returns its id.
 */
export async function useGateway(page: Page, g: GatewaySetup): Promise<string> {
  const s = await ask<{ gateways: { id: string; provider: string; url: string }[] }>(page, 'settings.get');
  const provider = g.provider ?? 'confidant';
  const url = g.url.replace(/\/+$/, '');
  const existing = s.gateways.find((p) => p.provider === provider && p.url === url);
  const id = existing?.id ?? Array.from({ length: 16 }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('');
  const profile = {
    id,
    provider,
    label: g.label ?? 'Test gateway',
    url,
    development: g.development ?? false,
    trust: g.trust ?? { kind: 'none' },
    allowUnknownSoftware: g.allowUnknownSoftware ?? false,
    ...(g.manifestUrl ? { manifestUrl: g.manifestUrl } : {}),
  };
  const gateways = existing ? s.gateways.map((p) => (p.id === id ? profile : p)) : [...s.gateways, profile];
  await ask(page, 'settings.set', { gateways, activeGatewayId: id });
  if (g.apiKey !== undefined) await ask(page, 'apiKey.set', { profileId: id, apiKey: g.apiKey });
  return id;
}
