/**
 * The embedding model's download, done once on the person's go-ahead: byte progress, integrity
 * checks, a cache in the extension's storage that works offline after a relaunch, and clear
 * errors when offline or when a file is not the one its hash names. Generated test models are
 * served from a local origin, as the hub would serve them.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ask, launch, newProfileDir, PANEL_PATH, removeProfileDir, stopEngine, TEST_MODELS_DIR, type Session } from './harness.ts';
import { serveDir, type StaticServer } from './server.ts';
import { watchEngineConsole, type ConsoleWatch } from './engine-console.ts';

const MODEL = 'confidant-test/tiny';
const FILES = ['config.json', 'tokenizer_config.json', 'tokenizer.json', 'onnx/model.onnx'];
const dir = join(TEST_MODELS_DIR, MODEL);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const HASHES = Object.fromEntries(FILES.map((f) => [f, existsSync(join(dir, f)) ? sha(readFileSync(join(dir, f))) : '']));
const TOTAL = FILES.reduce((n, f) => n + (existsSync(join(dir, f)) ? readFileSync(join(dir, f)).length : 0), 0);

interface State { modelId: string; state: string; error?: string; threads?: number; source?: string }
interface Progress { task: string; done: number; total: number; detail?: string }

const profile = newProfileDir();
let session: Session;
let watch: ConsoleWatch;
/** Console errors of earlier browser sessions in this file. */
const earlierErrors: string[] = [];
let panel: Page;
let good: StaticServer;
let corrupt: StaticServer;

/** Collects engine events (progress) in the page, as the panel receives them. */
async function listen(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __events: unknown[] };
    w.__events = [];
    chrome.runtime.onMessage.addListener((m: { target?: string; type?: string; payload?: unknown }) => {
      if (m?.target === 'panel' && m.type === 'engine.event') w.__events.push(m.payload);
    });
  });
}
const events = (page: Page) => page.evaluate(() => (window as unknown as { __events: { kind: string; progress?: Progress }[] }).__events);

/** Keys in the model store for `model` (the panel page shares the engine's origin and its Cache Storage). */
const storedKeys = (page: Page, model: string) =>
  page.evaluate(async (m) => (await (await caches.open('confidant-models-v1')).keys()).map((r) => r.url).filter((u) => u.includes(`/${m}/`)), model);

async function until(page: Page, want: string, ms = 20_000): Promise<State> {
  const end = Date.now() + ms;
  for (;;) {
    const s = await ask<State>(page, 'model.state');
    if (s.state === want || Date.now() > end) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A loopback port with nothing listening: a download from it fails like one from an unreachable host. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

beforeAll(async () => {
  if (!existsSync(join(dir, 'config.json'))) throw new Error('run `npm run make-test-models` first');
  good = await serveDir(TEST_MODELS_DIR);
  const bytes = readFileSync(join(dir, 'onnx/model.onnx'));
  const flipped = Uint8Array.from(bytes);
  const mid = flipped.length >> 1;
  flipped[mid] = flipped[mid]! ^ 0xff; // one byte changed, same size: only the hash can tell
  corrupt = await serveDir(TEST_MODELS_DIR, { [`/${MODEL}/onnx/model.onnx`]: flipped });
  session = await launch(profile);
  watch = await watchEngineConsole(session);
  panel = await session.openPage(PANEL_PATH);
  await listen(panel);
});

afterAll(async () => {
  await watch?.stop();
  await session?.close();
  await good?.close();
  await corrupt?.close();
  removeProfileDir(profile);
});

describe('the embedding model, downloaded once', () => {
  it('starts not loaded: nothing is downloaded without the go-ahead', async () => {
    expect(await ask<State>(panel, 'model.state')).toMatchObject({ state: 'not-loaded' });
    expect(await storedKeys(panel, MODEL)).toEqual([]);
  });

  it('says clearly when the host cannot be reached, and stores nothing', async () => {
    const port = await closedPort();
    await expect(ask(panel, 'model.load', { modelId: MODEL, remoteHost: `http://127.0.0.1:${port}/`, remotePathTemplate: '{model}/', threads: 1 })).rejects.toThrow(
      /E_NETWORK: The embedding model confidant-test\/tiny is not on this device yet and 127\.0\.0\.1:\d+ cannot be reached.*once downloaded it works offline/,
    );
    expect(await ask<State>(panel, 'model.state')).toMatchObject({ state: 'error', error: expect.stringMatching(/cannot be reached/) });
    expect(await storedKeys(panel, MODEL)).toEqual([]);
  });

  it('refuses a file whose SHA-256 is not the known one, and stores nothing', async () => {
    await expect(
      ask(panel, 'model.load', { modelId: MODEL, remoteHost: `${corrupt.origin}/`, remotePathTemplate: '{model}/', threads: 1, sha256: { 'onnx/model.onnx': HASHES['onnx/model.onnx'] } }),
    ).rejects.toThrow(new RegExp(`E_INTEGRITY: The downloaded onnx/model.onnx of ${MODEL} is not the expected file \\(SHA-256 [0-9a-f]{64}, expected ${HASHES['onnx/model.onnx']}\\)\\. Nothing was saved`));
    expect(await storedKeys(panel, MODEL)).toEqual([]);
    expect((await ask<State>(panel, 'model.state')).state).toBe('error');
  });

  it('downloads with byte progress, checks every hash, and is ready', async () => {
    await panel.evaluate(() => ((window as unknown as { __events: unknown[] }).__events.length = 0));
    const state = await ask<State>(panel, 'model.load', { modelId: MODEL, remoteHost: `${good.origin}/`, remotePathTemplate: '{model}/', threads: 1, sha256: HASHES });
    expect(state).toMatchObject({ modelId: MODEL, state: 'ready', source: 'downloaded', threads: 1 });
    const progress = (await events(panel)).filter((e) => e.kind === 'progress' && e.progress!.task === 'model').map((e) => e.progress!);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.done).toBeGreaterThanOrEqual(progress[i - 1]!.done);
    // Only the last event says "finished", once every file is checked and stored.
    expect(progress.slice(0, -1).every((p) => p.done < p.total || p.total === 0)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ done: TOTAL, total: TOTAL });
    const keys = await storedKeys(panel, MODEL);
    expect(keys.map((k) => k.split(`/${MODEL}/local/`)[1]).sort()).toEqual(['.confidant-manifest.json', ...FILES].sort());
    const { vectors } = await ask<{ vectors: number[][] }>(panel, 'debug.embed', { texts: ['a river crossing at dawn'], vectors: true });
    expect(vectors[0]).toHaveLength(32);
  });

  it('loads offline after a relaunch, with no network at all', async () => {
    const before = (await ask<{ vectors: number[][] }>(panel, 'debug.embed', { texts: ['offline test sentence'], vectors: true })).vectors[0]!;
    earlierErrors.push(...watch.errors, ...session.consoleErrors);
    await watch.stop();
    await session.close();
    await good.close();
    await corrupt.close();
    session = await launch(profile);
    watch = await watchEngineConsole(session);
    panel = await session.openPage(PANEL_PATH);
    const state = await until(panel, 'ready');
    expect(state).toMatchObject({ modelId: MODEL, state: 'ready', source: 'downloaded' });
    const after = (await ask<{ vectors: number[][] }>(panel, 'debug.embed', { texts: ['offline test sentence'], vectors: true })).vectors[0]!;
    after.forEach((v, i) => expect(v).toBeCloseTo(before[i]!, 5));
    // The go-ahead again (the panel's button) finds it here: no download, no error.
    expect(await ask<State>(panel, 'model.load', { modelId: MODEL, remoteHost: 'http://127.0.0.1:9/', remotePathTemplate: '{model}/', threads: 1 })).toMatchObject({ state: 'ready' });
  });

  it('runs ONNX Runtime on 2 threads from files in the extension (no blob: workers), with the same vectors', async () => {
    const texts = ['threads give the same answer', 'a second sentence, somewhat longer than the first one'];
    const one = await ask<{ vectors: number[][]; threads: number; backend: unknown }>(panel, 'debug.embed', { texts, vectors: true });
    expect(one.threads).toBe(1);
    // Headless Chromium with --disable-gpu has no WebGPU adapter: the CPU-only build, no fallback note.
    expect(one.backend).toEqual({ device: 'wasm', threads: 1 });
    // The thread count is fixed when the runtime starts: save it, restart the engine.
    await ask(panel, 'kv.put', { key: 'model.config', value: JSON.stringify({ modelId: MODEL, threads: 2 }) });
    await stopEngine(session);
    expect(await until(panel, 'ready')).toMatchObject({ state: 'ready', threads: 2 });
    const two = await ask<{ vectors: number[][]; threads: number }>(panel, 'debug.embed', { texts, vectors: true });
    expect(two.threads).toBe(2);
    two.vectors.forEach((row, r) => row.forEach((v, i) => expect(v).toBeCloseTo(one.vectors[r]![i]!, 4)));
    // ORT's pthreads are its own Emscripten module, started from its file in the extension.
    expect(watch.targets).toContain(`worker chrome-extension://${session.extensionId}/ort/ort-wasm-simd-threaded.mjs`);
    expect(watch.targets.some((t) => t.includes('blob:'))).toBe(false);
  });

  it('kept every console clean (extension pages, offscreen document, engine and its workers)', async () => {
    await new Promise((r) => setTimeout(r, 300));
    expect([...earlierErrors, ...session.consoleErrors, ...watch.errors]).toEqual([]);
  });
});
