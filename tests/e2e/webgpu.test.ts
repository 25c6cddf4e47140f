/**
 * The embedding model on WebGPU, and its fallback to WebAssembly. Headless Chromium gets a real
 * WebGPU adapter from SwiftShader (a CPU implementation of Vulkan), so the WebGPU build of ONNX
 * Runtime, its device and its kernels run here for real; only the speed is not a GPU's. A batch
 * that fails on the GPU (a lost device, made to happen in the test build) is embedded again on
 * WebAssembly, nothing is lost, the model stays there, and Settings says so.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbedBackend } from '../../src/messaging/engine-api.ts';
import { watchEngineConsole, type ConsoleWatch } from './engine-console.ts';
import { ask, launch, loadTestModel, PANEL_PATH, TEST_MODELS_DIR, type Session } from './harness.ts';
import { serveDir, type StaticServer } from './server.ts';

const TEXTS = Array.from({ length: 20 }, (_, i) => `sentence number ${i} about rivers, lamps and ${'harbour '.repeat(i % 5)}boats`);

let models: StaticServer;
let gpu: Session;
let cpu: Session;
let gpuPanel: Page;
let cpuPanel: Page;
let watch: ConsoleWatch;

interface Embedded {
  vectors: number[][];
  backend: EmbedBackend;
}

beforeAll(async () => {
  models = await serveDir(TEST_MODELS_DIR);
  gpu = await launch(undefined, { webgpu: true });
  watch = await watchEngineConsole(gpu);
  cpu = await launch();
  gpuPanel = await gpu.openPage(PANEL_PATH);
  cpuPanel = await cpu.openPage(PANEL_PATH);
  await loadTestModel(gpuPanel, models.origin);
  await loadTestModel(cpuPanel, models.origin);
  await ask(gpuPanel, 'library.setup', { passphrase: null });
  await ask(gpuPanel, 'kv.put', { key: 'panel.onboarding', value: 'complete' });
}, 120_000);

afterAll(async () => {
  await watch?.stop();
  await gpu?.close();
  await cpu?.close();
  await models?.close();
});

function expectSameVectors(a: number[][], b: number[][]): void {
  expect(a).toHaveLength(b.length);
  a.forEach((row, r) => row.forEach((v, i) => expect(v).toBeCloseTo(b[r]![i]!, 3)));
}

describe('the embedding model with a WebGPU adapter', () => {
  it('runs on the GPU, with the vectors WebAssembly gives', async () => {
    expect((await ask<{ backend: EmbedBackend }>(gpuPanel, 'model.state')).backend).toMatchObject({ device: 'webgpu', adapter: expect.any(String), threads: 1 });
    const onGpu = await ask<Embedded>(gpuPanel, 'debug.embed', { texts: TEXTS, vectors: true });
    expect(onGpu.backend.device).toBe('webgpu');
    const onCpu = await ask<Embedded>(cpuPanel, 'debug.embed', { texts: TEXTS, vectors: true });
    expect(onCpu.backend).toEqual({ device: 'wasm', threads: 1 });
    expectSameVectors(onGpu.vectors, onCpu.vectors);
  });

  it('moves to WebAssembly when a GPU batch fails, losing nothing, and Settings says so', async () => {
    const settings = await gpu.context.newPage();
    await settings.setViewportSize({ width: 400, height: 820 });
    await settings.goto(`chrome-extension://${gpu.extensionId}/${PANEL_PATH}`);
    await settings.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Settings' }).click();
    await expect.poll(() => settings.getByTestId('model-backend').textContent(), { timeout: 10_000 }).toMatch(/GPU, through WebGPU/);

    // 20 texts are three batches: the first fails on the GPU and is embedded again on WebAssembly.
    const moved = await ask<Embedded>(gpuPanel, 'debug.embed', { texts: TEXTS, vectors: true, failGpuBatch: true });
    expect(moved.backend).toMatchObject({ device: 'wasm', threads: 1, fallback: expect.stringMatching(/WebGPU failed while embedding.*GPU device lost/) });
    const onCpu = await ask<Embedded>(cpuPanel, 'debug.embed', { texts: TEXTS, vectors: true });
    expectSameVectors(moved.vectors, onCpu.vectors);

    // It stays on WebAssembly, and the open Settings page learns it without reloading.
    expect((await ask<{ backend: EmbedBackend }>(gpuPanel, 'model.state')).backend?.device).toBe('wasm');
    await expect.poll(() => settings.getByTestId('model-backend').textContent(), { timeout: 10_000 }).toMatch(/CPU, through WebAssembly \(1 thread\)/);
    await expect.poll(() => settings.getByTestId('model-backend-fallback').textContent(), { timeout: 10_000 }).toMatch(/WebGPU failed while embedding/);
    await settings.close();
  });

  it('kept every console clean', async () => {
    // The simulated device loss is reported as a warning, not an error.
    expect([...gpu.consoleErrors, ...watch.errors]).toEqual([]);
  });
});
