import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline, env, AutoTokenizer } from '@huggingface/transformers';
import * as ort from 'onnxruntime-web';
import { makeTestModels, buildVocab, MINILM_SHAPED, TINY, type BertSpec } from '../../scripts/make-test-models.ts';

// The models are generated afresh into a temporary root, so this tests the generator as it is now,
// not whatever an earlier run left in .cache/models.
let root = '';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'confidant-models-'));
  await makeTestModels(root, { force: true });
  env.localModelPath = root;
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  const wasm = (env.backends.onnx as { wasm?: { numThreads?: number } }).wasm;
  if (wasm) wasm.numThreads = 1;
  ort.env.wasm.numThreads = 1;
}, 60_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const modelDir = (spec: BertSpec) => join(root, ...spec.id.split('/'));

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

describe('vocabulary', () => {
  it('pads the MiniLM-shaped vocabulary to 30522 with bert-base-uncased special ids', () => {
    const v = buildVocab(30522);
    expect(v).toHaveLength(30522);
    expect(new Set(v).size).toBe(30522);
    expect([v[0], v[100], v[101], v[102], v[103]]).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  });

  it('keeps the tiny vocabulary small and free of duplicates', () => {
    const v = buildVocab(0);
    expect(v.length).toBeLessThan(2000);
    expect(new Set(v).size).toBe(v.length);
    expect(v).toContain('##e');
    expect(v).toContain('the');
  });
});

describe('generated files', () => {
  it('are byte-identical from one run to the next', async () => {
    const again = await mkdtemp(join(tmpdir(), 'confidant-models-'));
    try {
      await makeTestModels(again, { force: true, specs: [TINY] });
      for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx']) {
        const a = await readFile(join(modelDir(TINY), f));
        const b = await readFile(join(again, 'confidant-test', 'tiny', f));
        expect(a.equals(b), f).toBe(true);
      }
    } finally {
      await rm(again, { recursive: true, force: true });
    }
  });

  it('describe all-MiniLM-L6-v2 shapes in config.json', async () => {
    const cfg = JSON.parse(await readFile(join(modelDir(MINILM_SHAPED), 'config.json'), 'utf8'));
    expect(cfg).toMatchObject({
      model_type: 'bert',
      num_hidden_layers: 6,
      hidden_size: 384,
      num_attention_heads: 12,
      intermediate_size: 1536,
      vocab_size: 30522,
      max_position_embeddings: 512,
    });
  });
});

describe.each([
  { spec: MINILM_SHAPED, dims: 384 },
  { spec: TINY, dims: 32 },
])('$spec.id through transformers.js', ({ spec, dims }) => {
  it.each([false, true])('quantized=%s loads and gives unit-length, repeatable mean-pooled vectors', async (quantized) => {
    const extract = await pipeline('feature-extraction', spec.id, { dtype: quantized ? 'q8' : 'fp32' });
    try {
      const texts = ['the library keeps your documents private', 'the library keeps your documents private', 'a different text'];
      const out = await extract(texts, { pooling: 'mean', normalize: true });
      expect(out.dims).toEqual([3, dims]);
      const data = out.data as Float32Array;
      const v = (i: number) => data.subarray(i * dims, (i + 1) * dims);
      for (let i = 0; i < 3; i++) expect(Math.sqrt(dot(v(i), v(i)))).toBeCloseTo(1, 5);
      expect(Array.from(v(1))).toEqual(Array.from(v(0)));
      expect(Array.from(v(2))).not.toEqual(Array.from(v(0)));

      // Padding must not change a vector: the attention mask is applied. In the int8 model the
      // activations' quantization scale is taken over the whole batch, padding included (as in
      // the hub's quantized files), so there the vector moves a little with its batch-mates.
      const alone = (await extract('a different text', { pooling: 'mean', normalize: true })).data as Float32Array;
      if (quantized) expect(dot(alone, v(2))).toBeGreaterThan(0.99);
      else for (let i = 0; i < dims; i++) expect(alone[i]).toBeCloseTo(v(2)[i]!, 5);
    } finally {
      await extract.dispose();
    }
  });

  it('gives nearly the same vectors quantized as in float32 (the int8 graph computes the same function)', async () => {
    const text = 'encrypted at rest, searched locally, cited precisely';
    const vec = async (quantized: boolean) => {
      const extract = await pipeline('feature-extraction', spec.id, { dtype: quantized ? 'q8' : 'fp32' });
      try {
        return (await extract(text, { pooling: 'mean', normalize: true })).data as Float32Array;
      } finally {
        await extract.dispose();
      }
    };
    expect(dot(await vec(false), await vec(true))).toBeGreaterThan(0.95);
  });
});

describe('onnxruntime-web wasm (what the extension runs)', () => {
  it.each([
    { spec: TINY, file: 'model.onnx' },
    { spec: TINY, file: 'model_quantized.onnx' },
    { spec: MINILM_SHAPED, file: 'model_quantized.onnx' },
  ])('runs $spec.id $file with the expected signature and matches transformers.js', async ({ spec, file }) => {
    const session = await ort.InferenceSession.create(await readFile(join(modelDir(spec), 'onnx', file)), {
      executionProviders: ['wasm'],
    });
    expect(session.inputNames).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
    expect(session.outputNames).toEqual(['last_hidden_state']);

    const text = 'one passage of a saved page';
    const tok = await AutoTokenizer.from_pretrained(spec.id);
    const enc = tok(text);
    const ids = enc.input_ids.data as BigInt64Array;
    const seq = ids.length;
    const shape = [1, seq];
    const out = await session.run({
      input_ids: new ort.Tensor('int64', ids, shape),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(seq).fill(1n), shape),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(seq), shape),
    });
    const hidden = out.last_hidden_state!;
    expect(hidden.dims).toEqual([1, seq, spec.hidden]);

    // Mean-pool and normalize by hand, compare with the pipeline (onnxruntime-node in Node).
    const h = hidden.data as Float32Array;
    const mean = new Float32Array(spec.hidden);
    for (let t = 0; t < seq; t++) for (let j = 0; j < spec.hidden; j++) mean[j]! += h[t * spec.hidden + j]! / seq;
    const n = Math.sqrt(dot(mean, mean));
    const extract = await pipeline('feature-extraction', spec.id, { dtype: file.includes('quantized') ? 'q8' : 'fp32' });
    try {
      const ref = (await extract(text, { pooling: 'mean', normalize: true })).data as Float32Array;
      for (let j = 0; j < spec.hidden; j++) expect(mean[j]! / n).toBeCloseTo(ref[j]!, 3);
    } finally {
      await extract.dispose();
    }
  });
});
