/**
 * Generates the embedding models the tests and benchmarks run, because no model hub is reachable
 * from our machines. Two BERT encoders with random weights, in the layout transformers.js (@huggingface/transformers 4)
 * loads with `env.localModelPath = <root>` and `env.allowRemoteModels = false`:
 *
 *   <root>/<model-id>/config.json
 *   <root>/<model-id>/tokenizer.json             WordPiece (BertTokenizer), lowercase
 *   <root>/<model-id>/tokenizer_config.json
 *   <root>/<model-id>/onnx/model.onnx            float32
 *   <root>/<model-id>/onnx/model_quantized.onnx  dynamic int8, as Xenova's "_quantized" files
 *
 *   confidant-test/minilm-shaped  all-MiniLM-L6-v2's exact shapes (6 layers, hidden 384, 12 heads,
 *                                 intermediate 1536, vocab 30522, 512 positions): honest for
 *                                 speed, size and memory, meaningless for quality.
 *   confidant-test/tiny           1 layer, hidden 32, 4 heads, 771-entry vocab: fast tests.
 *
 * The graph is what `optimum` exports for BertModel below opset 17 (LayerNorm and exact GELU
 * decomposed into primitive ops), and the quantized file follows onnxruntime's
 * `quantize_dynamic` as Xenova's convert.py calls it for BERT (per_channel, reduce_range, QInt8
 * weights): every MatMul with a weight becomes DynamicQuantizeLinear + MatMulInteger + Cast + Mul,
 * every embedding table is int8 behind Gather + DequantizeLinear. Only standard ONNX ops of
 * opset 14, all of which onnxruntime-web's wasm backend runs (1.14 then, 1.31 now).
 *
 * Weights come from a seeded PRNG (one stream per tensor name), so every run writes the same
 * bytes. The ONNX protobuf is written by hand (a ~60-line wire-format writer below) rather than
 * through protobufjs/onnx-proto, which are only transitive dependencies here; field numbers are
 * those of onnx/onnx.proto (IR version 8).
 *
 *   npm run make-test-models              writes into .cache/models (skips models already there)
 *   npm run make-test-models -- --force   rewrites them
 *   npm run make-test-models -- --check   also loads both through transformers.js and prints
 *                                         dimensions and a rough chunks/s figure (informational)
 *   --out DIR                             another root
 */
import { mkdir, writeFile, readFile, rename } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../tests/helpers/prng.ts';

// ---------------------------------------------------------------------------------------------
// Model specifications

export interface BertSpec {
  id: string;
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  vocabSize: number;
  maxPositions: number;
  typeVocab: number;
  seed: number;
}

export const MINILM_SHAPED: BertSpec = {
  id: 'confidant-test/minilm-shaped',
  layers: 6,
  hidden: 384,
  heads: 12,
  intermediate: 1536,
  vocabSize: 30522,
  maxPositions: 512,
  typeVocab: 2,
  seed: 0x6d696e69,
};

export const TINY: BertSpec = {
  id: 'confidant-test/tiny',
  layers: 1,
  hidden: 32,
  heads: 4,
  intermediate: 128,
  vocabSize: 0, // 0: exactly the base vocabulary, no padding
  maxPositions: 512,
  typeVocab: 2,
  seed: 0x74696e79,
};

export const TEST_MODELS: readonly BertSpec[] = [MINILM_SHAPED, TINY];

const LAYER_NORM_EPS = 1e-12;
const INIT_STD = 0.02; // BERT's initializer_range

// ---------------------------------------------------------------------------------------------
// Deterministic randomness: one mulberry32 stream per tensor, seeded from (model seed, name), so a
// tensor's values do not depend on the order tensors are made in.

function fnv1a(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function normal(n: number, std: number, seed: number, name: string): Float32Array {
  const rand = mulberry32(fnv1a(name, seed));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    // Box-Muller; 1 - u keeps log() away from 0.
    const r = Math.sqrt(-2 * Math.log(1 - rand())) * std;
    const th = 2 * Math.PI * rand();
    out[i] = r * Math.cos(th);
    if (i + 1 < n) out[i + 1] = r * Math.sin(th);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Protobuf wire format (https://protobuf.dev/programming-guides/encoding/). Messages are lists of
// byte parts so that large tensors are referenced, not copied, until the one final concat.

class Pb {
  readonly parts: Uint8Array[] = [];
  length = 0;

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.length += b.length;
  }

  private static varintBytes(v: number | bigint): Uint8Array {
    let x = typeof v === 'bigint' ? v : BigInt(v);
    if (x < 0n) x = BigInt.asUintN(64, x); // int64 two's complement: 10 bytes
    const out: number[] = [];
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x !== 0n) b |= 0x80;
      out.push(b);
    } while (x !== 0n);
    return new Uint8Array(out);
  }

  private tag(field: number, wire: 0 | 2 | 5): void {
    this.push(Pb.varintBytes((field << 3) | wire));
  }

  int(field: number, v: number | bigint): this {
    this.tag(field, 0);
    this.push(Pb.varintBytes(v));
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2);
    this.push(Pb.varintBytes(b.length));
    this.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  msg(field: number, m: Pb): this {
    this.tag(field, 2);
    this.push(Pb.varintBytes(m.length));
    for (const p of m.parts) this.push(p);
    return this;
  }

  toBytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

// onnx.proto: TensorProto.DataType and AttributeProto.AttributeType values.
const DT = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;
const AT = { FLOAT: 1, INT: 2, INTS: 7 } as const;

type Attr = number | number[] | { f: number };
type TensorData = Float32Array | Int8Array | Uint8Array | BigInt64Array;

function tensorProto(name: string, dims: readonly number[], data: TensorData): Pb {
  const dataType =
    data instanceof Float32Array ? DT.FLOAT : data instanceof Int8Array ? DT.INT8 : data instanceof Uint8Array ? DT.UINT8 : DT.INT64;
  const t = new Pb();
  for (const d of dims) t.int(1, d); // dims
  t.int(2, dataType); // data_type
  t.string(8, name); // name
  // raw_data is little-endian, which every typed array here is on the machines we run.
  t.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return t;
}

function valueInfo(name: string, elemType: number, dims: readonly (number | string)[]): Pb {
  const shape = new Pb();
  for (const d of dims) shape.msg(1, typeof d === 'number' ? new Pb().int(1, d) : new Pb().string(2, d));
  const tensorType = new Pb().int(1, elemType).msg(2, shape);
  return new Pb().string(1, name).msg(2, new Pb().msg(1, tensorType));
}

/** Builds one GraphProto: nodes in topological order, initializers, inputs and outputs. */
class Graph {
  private readonly nodes: Pb[] = [];
  private readonly inits: Pb[] = [];
  private n = 0;

  init(name: string, dims: readonly number[], data: TensorData): string {
    this.inits.push(tensorProto(name, dims, data));
    return name;
  }

  scalar(name: string, v: number): string {
    return this.init(name, [], new Float32Array([v]));
  }

  node(op: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, nOut = 1): string[] {
    const id = this.n++;
    const outs = Array.from({ length: nOut }, (_, i) => `${op}_${id}${nOut > 1 ? `_${i}` : ''}`);
    const nd = new Pb();
    for (const i of inputs) nd.string(1, i);
    for (const o of outs) nd.string(2, o);
    nd.string(3, `${op}_${id}`).string(4, op);
    for (const [k, v] of Object.entries(attrs)) {
      const a = new Pb().string(1, k);
      if (Array.isArray(v)) {
        for (const x of v) a.int(8, x);
        a.int(20, AT.INTS);
      } else if (typeof v === 'number') {
        a.int(3, v).int(20, AT.INT);
      } else {
        a.float(2, v.f).int(20, AT.FLOAT);
      }
      nd.msg(5, a);
    }
    this.nodes.push(nd);
    return outs;
  }

  /** One-output node. */
  op(op: string, inputs: readonly string[], attrs: Record<string, Attr> = {}): string {
    return this.node(op, inputs, attrs, 1)[0]!;
  }

  /** Names a value for the graph's outputs (an Identity node whose output has that name). */
  output(from: string, to: string): void {
    this.nodes.push(new Pb().string(1, from).string(2, to).string(3, `Identity_${to}`).string(4, 'Identity'));
  }

  model(inputs: Pb[], outputs: Pb[], opset: number, name: string): Uint8Array {
    const g = new Pb();
    for (const nd of this.nodes) g.msg(1, nd);
    g.string(2, name);
    for (const t of this.inits) g.msg(5, t);
    for (const i of inputs) g.msg(11, i);
    for (const o of outputs) g.msg(12, o);
    const m = new Pb()
      .int(1, 8) // ir_version
      .string(2, 'confidant make-test-models') // producer_name
      .string(3, '1')
      .msg(7, g) // graph
      .msg(8, new Pb().string(1, '').int(2, opset)); // opset_import (default domain)
    return m.toBytes();
  }
}

// ---------------------------------------------------------------------------------------------
// Weights

interface Linear {
  w: Float32Array; // [in, out], as the ONNX MatMul right-hand side
  b: Float32Array;
  inDim: number;
  outDim: number;
}

interface LayerWeights {
  q: Linear;
  k: Linear;
  v: Linear;
  attnOut: Linear;
  ln1: { g: Float32Array; b: Float32Array };
  inter: Linear;
  out: Linear;
  ln2: { g: Float32Array; b: Float32Array };
}

interface BertWeights {
  word: Float32Array;
  pos: Float32Array;
  type: Float32Array;
  embLn: { g: Float32Array; b: Float32Array };
  layers: LayerWeights[];
}

function makeWeights(spec: BertSpec, vocabSize: number): BertWeights {
  const H = spec.hidden;
  const lin = (name: string, i: number, o: number): Linear => ({
    w: normal(i * o, INIT_STD, spec.seed, `${name}.weight`),
    // Small non-zero biases so a bias that is dropped or misplaced shows in the output.
    b: normal(o, INIT_STD, spec.seed, `${name}.bias`),
    inDim: i,
    outDim: o,
  });
  const ln = () => ({ g: new Float32Array(H).fill(1), b: new Float32Array(H) });
  const layers: LayerWeights[] = [];
  for (let l = 0; l < spec.layers; l++) {
    const p = `encoder.layer.${l}`;
    layers.push({
      q: lin(`${p}.attention.self.query`, H, H),
      k: lin(`${p}.attention.self.key`, H, H),
      v: lin(`${p}.attention.self.value`, H, H),
      attnOut: lin(`${p}.attention.output.dense`, H, H),
      ln1: ln(),
      inter: lin(`${p}.intermediate.dense`, H, spec.intermediate),
      out: lin(`${p}.output.dense`, spec.intermediate, H),
      ln2: ln(),
    });
  }
  return {
    word: normal(vocabSize * H, INIT_STD, spec.seed, 'embeddings.word_embeddings.weight'),
    pos: normal(spec.maxPositions * H, INIT_STD, spec.seed, 'embeddings.position_embeddings.weight'),
    type: normal(spec.typeVocab * H, INIT_STD, spec.seed, 'embeddings.token_type_embeddings.weight'),
    embLn: ln(),
    layers,
  };
}

// ---------------------------------------------------------------------------------------------
// Quantization as onnxruntime's quantize_dynamic does it for QInt8 weights with reduce_range:
// symmetric (zero point 0), 7-bit range [-64, 63]; per output column for MatMul weights
// (per_channel), per tensor for embedding tables.

const Q_MIN = -64;
const Q_MAX = 63;

function quantizeSymmetric(values: Float32Array, start: number, stride: number, count: number): { q: Int8Array; scale: number } {
  let absMax = 0;
  for (let i = 0, j = start; i < count; i++, j += stride) absMax = Math.max(absMax, Math.abs(values[j]!));
  const scale = absMax === 0 ? 1 : (2 * absMax) / (Q_MAX - Q_MIN);
  const q = new Int8Array(count);
  for (let i = 0, j = start; i < count; i++, j += stride) {
    q[i] = Math.max(Q_MIN, Math.min(Q_MAX, Math.round(values[j]! / scale)));
  }
  return { q, scale };
}

function quantizePerColumn(w: Float32Array, rows: number, cols: number): { q: Int8Array; scales: Float32Array } {
  const q = new Int8Array(rows * cols);
  const scales = new Float32Array(cols);
  for (let c = 0; c < cols; c++) {
    const col = quantizeSymmetric(w, c, cols, rows);
    scales[c] = col.scale;
    for (let r = 0; r < rows; r++) q[r * cols + c] = col.q[r]!;
  }
  return { q, scales };
}

// ---------------------------------------------------------------------------------------------
// Graph

export function buildBertOnnx(spec: BertSpec, vocabSize: number, wts: BertWeights, quantized: boolean): Uint8Array {
  const g = new Graph();
  const H = spec.hidden;
  const headDim = H / spec.heads;
  if (!Number.isInteger(headDim)) throw new Error(`${spec.id}: hidden ${H} is not divisible by ${spec.heads} heads`);

  const embedding = (name: string, table: Float32Array, rows: number, ids: string): string => {
    if (!quantized) return g.op('Gather', [g.init(name, [rows, H], table), ids], { axis: 0 });
    const { q, scale } = quantizeSymmetric(table, 0, 1, table.length);
    const gathered = g.op('Gather', [g.init(`${name}_quantized`, [rows, H], q), ids], { axis: 0 });
    return g.op('DequantizeLinear', [
      gathered,
      g.scalar(`${name}_scale`, scale),
      g.init(`${name}_zero_point`, [], new Int8Array([0])),
    ]);
  };

  const linear = (name: string, x: string, p: Linear): string => {
    const b = g.init(`${name}.bias`, [p.outDim], p.b);
    if (!quantized) {
      return g.op('Add', [g.op('MatMul', [x, g.init(`${name}.weight`, [p.inDim, p.outDim], p.w)]), b]);
    }
    const { q, scales } = quantizePerColumn(p.w, p.inDim, p.outDim);
    const [xq, xScale, xZero] = g.node('DynamicQuantizeLinear', [x], {}, 3) as [string, string, string];
    const yInt = g.op('MatMulInteger', [
      xq,
      g.init(`${name}.weight_quantized`, [p.inDim, p.outDim], q),
      xZero,
      g.init(`${name}.weight_zero_point`, [p.outDim], new Int8Array(p.outDim)),
    ]);
    const scale = g.op('Mul', [xScale, g.init(`${name}.weight_scale`, [p.outDim], scales)]);
    const y = g.op('Mul', [g.op('Cast', [yInt], { to: DT.FLOAT }), scale]);
    return g.op('Add', [y, b]);
  };

  const eps = g.scalar('layer_norm_eps', LAYER_NORM_EPS);
  const two = g.scalar('const_two', 2);
  const one = g.scalar('const_one', 1);
  const layerNorm = (name: string, x: string, p: { g: Float32Array; b: Float32Array }): string => {
    const mean = g.op('ReduceMean', [x], { axes: [-1], keepdims: 1 });
    const d = g.op('Sub', [x, mean]);
    const variance = g.op('ReduceMean', [g.op('Pow', [d, two])], { axes: [-1], keepdims: 1 });
    const norm = g.op('Div', [d, g.op('Sqrt', [g.op('Add', [variance, eps])])]);
    return g.op('Add', [g.op('Mul', [norm, g.init(`${name}.weight`, [H], p.g)]), g.init(`${name}.bias`, [H], p.b)]);
  };

  // Embeddings: word + position (0..seq-1) + token type, then LayerNorm.
  const word = embedding('embeddings.word_embeddings', wts.word, vocabSize, 'input_ids');
  const seqLen = g.op('Gather', [g.op('Shape', ['input_ids']), g.init('const_i64_one', [], new BigInt64Array([1n]))], {
    axis: 0,
  });
  const positions = g.op('Range', [
    g.init('const_i64_zero', [], new BigInt64Array([0n])),
    seqLen,
    g.init('const_i64_step', [], new BigInt64Array([1n])),
  ]);
  const pos = embedding('embeddings.position_embeddings', wts.pos, spec.maxPositions, positions);
  const typ = embedding('embeddings.token_type_embeddings', wts.type, spec.typeVocab, 'token_type_ids');
  let x = layerNorm('embeddings.LayerNorm', g.op('Add', [g.op('Add', [word, pos]), typ]), wts.embLn);

  // Additive attention mask [batch, 1, 1, seq]: 0 where attended, -10000 on padding.
  const mask = g.op('Unsqueeze', [
    g.op('Cast', ['attention_mask'], { to: DT.FLOAT }),
    g.init('const_mask_axes', [2], new BigInt64Array([1n, 2n])),
  ]);
  const extMask = g.op('Mul', [g.op('Sub', [one, mask]), g.scalar('const_mask_value', -10000)]);

  const headsShape = g.init('const_heads_shape', [4], new BigInt64Array([0n, 0n, BigInt(spec.heads), BigInt(headDim)]));
  const hiddenShape = g.init('const_hidden_shape', [3], new BigInt64Array([0n, 0n, BigInt(H)]));
  const sqrtHeadDim = g.scalar('const_sqrt_head_dim', Math.sqrt(headDim));
  const sqrt2 = g.scalar('const_sqrt2', Math.SQRT2);
  const half = g.scalar('const_half', 0.5);

  wts.layers.forEach((L, l) => {
    const p = `encoder.layer.${l}`;
    const split = (y: string, perm: number[]) => g.op('Transpose', [g.op('Reshape', [y, headsShape])], { perm });
    const q = split(linear(`${p}.attention.self.query`, x, L.q), [0, 2, 1, 3]); // [b, h, s, d]
    const k = split(linear(`${p}.attention.self.key`, x, L.k), [0, 2, 3, 1]); // [b, h, d, s]
    const v = split(linear(`${p}.attention.self.value`, x, L.v), [0, 2, 1, 3]); // [b, h, s, d]
    const scores = g.op('Add', [g.op('Div', [g.op('MatMul', [q, k]), sqrtHeadDim]), extMask]);
    const probs = g.op('Softmax', [scores], { axis: -1 });
    const ctx = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: [0, 2, 1, 3] }), hiddenShape]);
    const attn = linear(`${p}.attention.output.dense`, ctx, L.attnOut);
    const x1 = layerNorm(`${p}.attention.output.LayerNorm`, g.op('Add', [attn, x]), L.ln1);
    const inter = linear(`${p}.intermediate.dense`, x1, L.inter);
    // exact GELU: x * 0.5 * (1 + erf(x / sqrt 2))
    const gelu = g.op('Mul', [g.op('Mul', [inter, g.op('Add', [g.op('Erf', [g.op('Div', [inter, sqrt2])]), one])]), half]);
    const out = linear(`${p}.output.dense`, gelu, L.out);
    x = layerNorm(`${p}.output.LayerNorm`, g.op('Add', [out, x1]), L.ln2);
  });
  g.output(x, 'last_hidden_state');

  const dyn = ['batch_size', 'sequence_length'];
  return g.model(
    [valueInfo('input_ids', DT.INT64, dyn), valueInfo('attention_mask', DT.INT64, dyn), valueInfo('token_type_ids', DT.INT64, dyn)],
    [valueInfo('last_hidden_state', DT.FLOAT, [...dyn, H])],
    14,
    'bert',
  );
}

// ---------------------------------------------------------------------------------------------
// Vocabulary and tokenizer files

// ~580 common English words (function words and frequent content words). With the letters, "##"
// letters, suffixes and, for the MiniLM-shaped model, letter pairs and triples, any lowercase
// ASCII text tokenizes without [UNK]; English comes out at roughly 1.5 times the tokens of the real vocabulary.
const WORDS = `the of and to a in is it you that he was for on are with as i his they be at one have this from
or had by not word but what some we can out other were all there when up use your how said an each she which do
their time if will way about many then them write would like so these her long make thing see him two has look
more day could go come did number sound no most people my over know water than call first who may down side been
now find any new work part take get place made live where after back little only round man year came show every
good me give our under name very through just form sentence great think say help low line differ turn cause much
mean before move right boy old too same tell does set three want air well also play small end put home read hand
port large spell add even land here must big high such follow act why ask men change went light kind off need
house picture try us again animal point mother world near build self earth father head stand own page should
country found answer school grow study still learn plant cover food sun four between state keep eye never last
let thought city tree cross farm hard start might story saw far sea draw left late run while press close night
real life few north open seem together next white children begin got walk example ease paper group always music
those both mark often letter until mile river car feet care second book carry took science eat room friend began
idea fish mountain stop once base hear horse cut sure watch color face wood main enough plain girl usual young
ready above ever red list though feel talk bird soon body dog family direct pose leave song measure door product
black short numeral class wind question happen complete ship area half rock order fire south problem piece told
knew pass since top whole king space heard best hour better true during hundred five remember step early hold
west ground interest reach fast verb sing listen six table travel less morning ten simple several vowel toward
war lay against pattern slow center love person money serve appear road map rain rule govern pull cold notice
voice unit power town fine certain fly fall lead cry dark machine note wait plan figure star box noun field rest
correct able pound done beauty drive stood contain front teach week final gave green oh quick develop ocean warm
free minute strong special mind behind clear tail produce fact street inch multiply nothing course stay wheel full
force blue object decide surface deep moon island foot system busy test record boat common gold possible plane
stead dry wonder laugh thousand ago ran check game shape equate hot miss brought heat snow tire bring yes distant
fill east paint language among data file search query result model vector text chunk page library private local
document source browser network server client key secret password encrypt message user account report section
chapter title summary content value index table column row error code function class method type string list
map set array object input output process request response event time date year month day week today image
video audio link site web email phone address price cost market business company government public policy law
health medical research study analysis method information system service support product version release update`;

const SUFFIXES = `s es ed ing ly er est ion ions tion tions ment ments ness able ible al ial ic ical ity ive ous ful less
ism ist ists ize ized izes izing ise ised ance ence ant ent ary ery ory ship hood ward wards like y ie ies ied ier
iest en ens th ty`;

const SPECIAL = { pad: '[PAD]', unk: '[UNK]', cls: '[CLS]', sep: '[SEP]', mask: '[MASK]' } as const;

/**
 * Deterministic WordPiece vocabulary. Layout of bert-base-uncased where it matters: [PAD]=0, then
 * (when padding to 30522) [unused0..98], [UNK]=100, [CLS]=101, [SEP]=102, [MASK]=103.
 */
export function buildVocab(size: number): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (t: string) => {
    if (!seen.has(t)) {
      seen.add(t);
      out.push(t);
    }
  };
  add(SPECIAL.pad);
  if (size > 0) for (let i = 0; i < 99; i++) add(`[unused${i}]`);
  add(SPECIAL.unk);
  add(SPECIAL.cls);
  add(SPECIAL.sep);
  add(SPECIAL.mask);
  const chars: string[] = [];
  for (let c = 0x21; c < 0x7f; c++) {
    const ch = String.fromCharCode(c);
    if (ch !== ch.toLowerCase()) continue; // the normalizer lowercases
    chars.push(ch);
  }
  for (const ch of chars) add(ch);
  for (const ch of chars) add(`##${ch}`);
  for (const w of WORDS.split(/\s+/)) if (w) add(w);
  for (const s of SUFFIXES.split(/\s+/)) if (s) add(`##${s}`);
  if (size === 0) return out;
  const letters = 'etaoinshrdlcumwfgypbvkjxqz'; // by English frequency, so early pieces are likely ones
  const grow = (prefix: string, len: number): boolean => {
    const rec = (s: string): boolean => {
      if (s.length === len) {
        add(prefix + s);
        return out.length >= size;
      }
      for (const ch of letters) if (rec(s + ch)) return true;
      return false;
    };
    return rec('');
  };
  if (!(grow('', 2) || grow('##', 2) || grow('', 3) || grow('##', 3) || grow('', 4))) {
    throw new Error(`vocabulary cannot reach ${size}`);
  }
  if (out.length !== size) throw new Error(`vocabulary has ${out.length} entries, want ${size}`);
  return out;
}

function tokenizerJson(vocab: string[]): unknown {
  const ids = new Map(vocab.map((t, i) => [t, i]));
  const id = (t: string) => ids.get(t)!;
  const specials = [SPECIAL.pad, SPECIAL.unk, SPECIAL.cls, SPECIAL.sep, SPECIAL.mask];
  const seq = (s: 'A' | 'B', typeId: number) => ({ Sequence: { id: s, type_id: typeId } });
  const sp = (t: string, typeId: number) => ({ SpecialToken: { id: t, type_id: typeId } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((t) => ({
      id: id(t),
      content: t,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [sp(SPECIAL.cls, 0), seq('A', 0), sp(SPECIAL.sep, 0)],
      pair: [sp(SPECIAL.cls, 0), seq('A', 0), sp(SPECIAL.sep, 0), seq('B', 1), sp(SPECIAL.sep, 1)],
      special_tokens: Object.fromEntries(
        [SPECIAL.cls, SPECIAL.sep].map((t) => [t, { id: t, ids: [id(t)], tokens: [t] }]),
      ),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: SPECIAL.unk,
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
    },
  };
}

function tokenizerConfig(spec: BertSpec): unknown {
  return {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    strip_accents: null,
    tokenize_chinese_chars: true,
    clean_up_tokenization_spaces: true,
    model_max_length: spec.maxPositions,
    cls_token: SPECIAL.cls,
    sep_token: SPECIAL.sep,
    pad_token: SPECIAL.pad,
    unk_token: SPECIAL.unk,
    mask_token: SPECIAL.mask,
  };
}

function modelConfig(spec: BertSpec, vocabSize: number, padId: number): unknown {
  return {
    _name_or_path: spec.id,
    _comment: 'Random weights made by scripts/make-test-models.ts: right shapes and speed, no meaning.',
    architectures: ['BertModel'],
    model_type: 'bert',
    attention_probs_dropout_prob: 0.1,
    hidden_act: 'gelu',
    hidden_dropout_prob: 0.1,
    hidden_size: spec.hidden,
    initializer_range: INIT_STD,
    intermediate_size: spec.intermediate,
    layer_norm_eps: LAYER_NORM_EPS,
    max_position_embeddings: spec.maxPositions,
    num_attention_heads: spec.heads,
    num_hidden_layers: spec.layers,
    pad_token_id: padId,
    position_embedding_type: 'absolute',
    type_vocab_size: spec.typeVocab,
    vocab_size: vocabSize,
  };
}

// ---------------------------------------------------------------------------------------------
// Writing

export const DEFAULT_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)), '.cache', 'models');

export interface WrittenModel {
  id: string;
  dir: string;
  vocabSize: number;
  hidden: number;
  bytes: { fp32: number; q8: number };
}

async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** Writes one model's five files under `root`. Same spec, same bytes. */
export async function writeModel(root: string, spec: BertSpec): Promise<WrittenModel> {
  const vocab = buildVocab(spec.vocabSize);
  const wts = makeWeights(spec, vocab.length);
  const dir = join(root, ...spec.id.split('/'));
  await mkdir(join(dir, 'onnx'), { recursive: true });
  const fp32 = buildBertOnnx(spec, vocab.length, wts, false);
  const q8 = buildBertOnnx(spec, vocab.length, wts, true);
  await writeAtomic(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson(vocab)));
  await writeAtomic(join(dir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig(spec), null, 2));
  await writeAtomic(join(dir, 'onnx', 'model.onnx'), fp32);
  await writeAtomic(join(dir, 'onnx', 'model_quantized.onnx'), q8);
  // config.json last: its presence marks a complete model.
  await writeAtomic(join(dir, 'config.json'), JSON.stringify(modelConfig(spec, vocab.length, 0), null, 2));
  return { id: spec.id, dir, vocabSize: vocab.length, hidden: spec.hidden, bytes: { fp32: fp32.length, q8: q8.length } };
}

export async function makeTestModels(
  root = DEFAULT_ROOT,
  opts: { force?: boolean; specs?: readonly BertSpec[] } = {},
): Promise<WrittenModel[]> {
  const done: WrittenModel[] = [];
  for (const spec of opts.specs ?? TEST_MODELS) {
    const dir = join(root, ...spec.id.split('/'));
    if (!opts.force && existsSync(join(dir, 'config.json'))) {
      const cfg = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as { vocab_size: number; hidden_size: number };
      done.push({ id: spec.id, dir, vocabSize: cfg.vocab_size, hidden: cfg.hidden_size, bytes: { fp32: 0, q8: 0 } });
      continue;
    }
    done.push(await writeModel(root, spec));
  }
  return done;
}

// ---------------------------------------------------------------------------------------------
// --check: load through transformers.js and print what a person would want to see.

async function check(root: string): Promise<void> {
  const { pipeline, env } = await import('@huggingface/transformers');
  env.localModelPath = root;
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  const wasm = (env.backends.onnx as { wasm?: { numThreads?: number } }).wasm;
  if (wasm) wasm.numThreads = 1;
  const words = WORDS.split(/\s+/).filter(Boolean);
  for (const spec of TEST_MODELS) {
    for (const quantized of [false, true]) {
      const t0 = performance.now();
      const extract = await pipeline('feature-extraction', spec.id, { dtype: quantized ? 'q8' : 'fp32' });
      const loadMs = performance.now() - t0;
      const out = await extract(['a first test sentence', 'and a second one'], { pooling: 'mean', normalize: true });
      const norm = Math.hypot(...(out.data as Float32Array).subarray(0, spec.hidden));
      console.log(`${spec.id} ${quantized ? 'q8  ' : 'fp32'} dims=${out.dims.join('x')} |v|=${norm.toFixed(6)} load=${loadMs.toFixed(0)}ms`);
      if (spec === MINILM_SHAPED && quantized) {
        // 8 chunks of exactly 128 tokens ([CLS] + 126 word tokens + [SEP]), several rounds.
        const chunk = (i: number) => Array.from({ length: 126 }, (_, j) => words[(i * 131 + j * 7) % words.length]).join(' ');
        const batch = Array.from({ length: 8 }, (_, i) => chunk(i));
        const lens = (await extract.tokenizer(batch, { padding: true, truncation: true })).input_ids.dims;
        await extract(batch, { pooling: 'mean', normalize: true });
        const rounds = 4;
        const t1 = performance.now();
        for (let r = 0; r < rounds; r++) await extract(batch, { pooling: 'mean', normalize: true });
        const s = (performance.now() - t1) / 1000;
        console.log(
          `  ${spec.id} q8: ${((rounds * batch.length) / s).toFixed(1)} chunks/s at ${lens[1]} tokens, batch ${batch.length}, ` +
            `Node ${process.versions.node}, transformers.js' Node backend (onnxruntime-node, native, default threads); informational only`,
        );
      }
      await extract.dispose();
    }
  }
  // What the extension's engine worker runs: onnxruntime-web's wasm backend, one thread.
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  const file = join(root, ...MINILM_SHAPED.id.split('/'), 'onnx', 'model_quantized.onnx');
  const session = await ort.InferenceSession.create(await readFile(file), { executionProviders: ['wasm'] });
  const [batch, seq] = [8, 128];
  const ids = BigInt64Array.from({ length: batch * seq }, (_, i) => BigInt(1000 + ((i * 7919) % 29000)));
  const feeds = {
    input_ids: new ort.Tensor('int64', ids, [batch, seq]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(batch * seq).fill(1n), [batch, seq]),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(batch * seq), [batch, seq]),
  };
  await session.run(feeds);
  const rounds = 3;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) await session.run(feeds);
  const s = (performance.now() - t0) / 1000;
  console.log(
    `  ${MINILM_SHAPED.id} q8: ${((rounds * batch) / s).toFixed(1)} chunks/s at ${seq} tokens, batch ${batch}, ` +
      'onnxruntime-web wasm, 1 thread, in Node (closest to the extension); informational only',
  );
}

async function main(argv: string[]): Promise<void> {
  const force = argv.includes('--force');
  const outIdx = argv.indexOf('--out');
  const root = outIdx >= 0 && argv[outIdx + 1] ? resolve(argv[outIdx + 1]!) : DEFAULT_ROOT;
  const t0 = performance.now();
  const models = await makeTestModels(root, { force });
  for (const m of models) {
    const size = m.bytes.fp32 ? `fp32 ${(m.bytes.fp32 / 1e6).toFixed(1)} MB, q8 ${(m.bytes.q8 / 1e6).toFixed(1)} MB` : 'already there';
    console.log(`${m.id}: vocab ${m.vocabSize}, hidden ${m.hidden}, ${size} -> ${m.dir}`);
  }
  console.log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (argv.includes('--check')) await check(root);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
