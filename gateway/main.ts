/**
 * Confidant gateway: runs inside the SEV-SNP confidential VM, in front of vLLM.
 *
 *   npm run gateway -- [--simulated] [--port N] [--host H] [--upstream URL] [--model ID]
 *                      [--api-key KEY] [--upstream-key KEY] [--key-lifetime S] [--key-grace S]
 *                      [--snp-configfs DIR] [--snp-product P] [--kds-url URL]
 *                      [--gpu-evidence-cmd JSON-ARGV] [--rim-url URL] [--gpus N] [--max-body BYTES]
 *                      [--allow-origin ORIGIN]... [--builtin] [--quiet]
 *
 * Without --simulated (real SEV-SNP and GPU evidence) --upstream, --gpu-evidence-cmd and an API key
 * are required. Keys may come from the environment instead of argv (visible to `ps`): CONFIDANT_API_KEY,
 * CONFIDANT_UPSTREAM_KEY.
 *
 * In development (--simulated) the answers come from --upstream if given (any OpenAI-compatible
 * server: llama.cpp's `llama-server` at http://127.0.0.1:8080, vLLM, LM Studio…), else from Ollama
 * if it answers at 127.0.0.1:11434, else (or with --builtin) from the built-in quoter (builtin.ts).
 * Prints `listening on http://HOST:PORT` once ready; SIGTERM/SIGINT stop it.
 */
import { parseArgs } from 'node:util';
import { BuiltinResponder } from './builtin.ts';
import { HardwareEvidence } from './evidence/hardware.ts';
import type { EvidenceSource } from './evidence/types.ts';
import { KeyManager } from './keys.ts';
import { createGateway } from './server.ts';
import { firstModel, ollamaAnswers, OpenAiUpstream, type Upstream } from './upstream.ts';

const OLLAMA = 'http://127.0.0.1:11434';

const { values } = parseArgs({
  options: {
    simulated: { type: 'boolean', default: false },
    port: { type: 'string', default: '8443' },
    host: { type: 'string', default: '127.0.0.1' },
    upstream: { type: 'string' },
    model: { type: 'string' },
    'api-key': { type: 'string' },
    'upstream-key': { type: 'string' },
    'key-lifetime': { type: 'string', default: '3600' },
    'key-grace': { type: 'string', default: '300' },
    'max-requests-per-key': { type: 'string', default: '1000000' },
    'snp-configfs': { type: 'string' },
    'snp-product': { type: 'string' },
    'snp-privlevel': { type: 'string' },
    'kds-url': { type: 'string' },
    'gpu-evidence-cmd': { type: 'string' },
    'rim-url': { type: 'string' },
    gpus: { type: 'string', default: '1' },
    /** --simulated: the launch MEASUREMENT its reports carry (96 hex digits), to stand for another build. */
    measurement: { type: 'string' },
    /** Bundle version to emit: 2 (binds expiresAt and model), or 1 to test clients in the transition. */
    'bundle-version': { type: 'string', default: '2' },
    'max-body': { type: 'string', default: String(4 << 20) },
    'allow-origin': { type: 'string', multiple: true },
    'builtin-delay-ms': { type: 'string', default: '0' },
    /** --simulated: answer with the built-in quoter even when Ollama runs on this machine. */
    builtin: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
  strict: true,
  allowPositionals: false,
});

function num(name: string, v: string | undefined, min = 0): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) {
    console.error(`--${name} must be a number >= ${min}`);
    process.exit(2);
  }
  return n;
}

const log = values.quiet ? () => {} : (l: string) => process.stderr.write(`[gateway] ${l}\n`);

async function chooseUpstream(): Promise<Upstream> {
  const upstreamKey = values['upstream-key'] ?? process.env.CONFIDANT_UPSTREAM_KEY;
  // With real evidence the gateway answers for the attested build: it must say what it forwards
  // to, never fall back to a local model or the built-in responder by itself.
  if (!values.simulated && !values.upstream) {
    console.error('--upstream is required without --simulated (the engine in this VM, e.g. http://127.0.0.1:8000)');
    process.exit(2);
  }
  if (values.builtin && (values.upstream || !values.simulated)) {
    console.error('--builtin answers without a model, for development: only with --simulated and without --upstream');
    process.exit(2);
  }
  if (values.upstream) {
    const model = values.model ?? (await firstModel(values.upstream, upstreamKey)) ?? 'gpt-oss-120b';
    return new OpenAiUpstream(values.upstream, model, upstreamKey);
  }
  if (!values.builtin && (await ollamaAnswers(OLLAMA))) {
    const model = values.model ?? (await firstModel(OLLAMA, upstreamKey));
    if (model) return new OpenAiUpstream(OLLAMA, model, upstreamKey);
    log(`Ollama answers at ${OLLAMA} but has no model pulled (ollama pull gpt-oss:20b); using the built-in quoter`);
  }
  return new BuiltinResponder(num('builtin-delay-ms', values['builtin-delay-ms']));
}

async function chooseEvidence(): Promise<EvidenceSource> {
  if (values.simulated) {
    const m = values.measurement;
    if (m !== undefined && !/^[0-9a-fA-F]{96}$/.test(m)) {
      console.error('--measurement must be 96 hex digits (a 48-byte SEV-SNP launch measurement)');
      process.exit(2);
    }
    // Imported only here: the image's bundle replaces this module with one that refuses
    // (scripts/bundle-gateway.mjs), so the measured build cannot sign with development keys.
    const { SimulatedEvidence } = await import('./evidence/simulated.ts');
    return SimulatedEvidence.create({ gpus: num('gpus', values.gpus, 1), ...(m ? { measurement: Uint8Array.from(Buffer.from(m, 'hex')) } : {}) });
  }
  const cmd = values['gpu-evidence-cmd'];
  if (!cmd) {
    console.error('--gpu-evidence-cmd is required without --simulated (a JSON argv array with {nonce})');
    process.exit(2);
  }
  let command: unknown;
  try {
    command = JSON.parse(cmd);
  } catch {
    command = undefined;
  }
  if (!Array.isArray(command) || !command.every((a) => typeof a === 'string') || command.length === 0) {
    console.error('--gpu-evidence-cmd must be a JSON array of strings, e.g. ["/opt/confidant/gpu-evidence","{nonce}"]');
    process.exit(2);
  }
  const product = values['snp-product'];
  if (product && !['Milan', 'Genoa', 'Turin'].includes(product)) {
    console.error('--snp-product must be Milan, Genoa or Turin');
    process.exit(2);
  }
  return new HardwareEvidence({
    snp: {
      root: values['snp-configfs'],
      product: product as 'Milan' | 'Genoa' | 'Turin' | undefined,
      privlevel: values['snp-privlevel'] !== undefined ? num('snp-privlevel', values['snp-privlevel']) : undefined,
      kdsBase: values['kds-url'],
    },
    gpu: { command: command as string[], rimBase: values['rim-url'] },
  });
}

const keys = new KeyManager({
  lifetimeMs: num('key-lifetime', values['key-lifetime'], 0.001) * 1000,
  graceMs: num('key-grace', values['key-grace']) * 1000,
  maxRequestsPerKey: num('max-requests-per-key', values['max-requests-per-key'], 1),
});
const [evidence, upstream] = await Promise.all([chooseEvidence(), chooseUpstream()]);
await keys.current();
const apiKey = values['api-key'] ?? process.env.CONFIDANT_API_KEY ?? null;
if (apiKey === null && !values.simulated) {
  // An open gateway on real hardware is anyone's free GPU and anyone's way to fill its queue.
  console.error('an API key is required without --simulated: set CONFIDANT_API_KEY (or --api-key)');
  process.exit(2);
}
if (apiKey === null) log('no --api-key: any client may use this gateway');
const server = createGateway({
  keys,
  evidence,
  upstream,
  apiKey,
  maxBodyBytes: num('max-body', values['max-body'], 1024),
  allowOrigins: values['allow-origin'],
  bundleVersion: values['bundle-version'] === '1' ? 1 : 2,
  log,
});
const purge = setInterval(() => keys.purge(), 10_000);
purge.unref();

server.listen(num('port', values.port), values.host, () => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : values.port;
  const host = values.host!.includes(':') ? `[${values.host}]` : values.host;
  log(`evidence: ${evidence.simulated ? 'SIMULATED (development keys)' : 'SEV-SNP configfs-tsm + GPU command'}; upstream: ${upstream.describe}`);
  process.stdout.write(`listening on http://${host}:${port}\n`);
});

let stopping = false;
function stop(signal: string): void {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 3000).unref();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
