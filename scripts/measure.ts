/**
 * The SEV-SNP launch measurements of a gateway build, and the provenance predicate a release
 * attests (docs/provenance.md). Run by the release workflow, and by anyone who wants to check
 * that a published measurement is the build they audited.
 *
 *   npm run --silent measure -- --ovmf OVMF.fd [--kernel FILE --initrd FILE --append TEXT | --append-file FILE]
 *                               --vcpus 8[,16…] [--cpu EPYC-v4] [--product Genoa[,Milan…]] [--features 0x1]
 *                               [--gpu-driver VERSION --gpu-vbios VERSION] [--out PREDICATE.json]
 *   npm run --silent measure -- --ovmf … --config gateway/release.json [--out …]
 *        (the VM shapes and GPU versions from a release file: vcpus, cpu, products, guestFeatures, gpu)
 *
 * Without --out the predicate JSON goes to stdout; with it, one line per measurement. Exit status
 * 2 names an input that cannot be used.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { sha256, toHex } from '../src/core/bytes.ts';
import { launchMeasurement, ovmfDigest, VCPU_SIGNATURES } from '../src/core/attest/sevsnp/measure.ts';
import { confidantPredicate } from '../src/core/provenance/predicates.ts';
import { ConfidantError } from '../src/core/errors.ts';

const USAGE = `usage: npm run --silent measure -- --ovmf FILE [--kernel FILE --initrd FILE (--append TEXT | --append-file FILE)]
         (--vcpus N[,N…] [--cpu ${Object.keys(VCPU_SIGNATURES).join('|')}] [--product Milan|Genoa|Turin[,…]]
          [--features HEX] [--gpu-driver VERSION --gpu-vbios VERSION] | --config RELEASE.json) [--out FILE]`;

const PRODUCTS = ['Milan', 'Genoa', 'Turin'] as const;
type Product = (typeof PRODUCTS)[number];

class Unusable extends Error {}

function read(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new Unusable(`${what}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/** The shape flags a release file (gateway/release.json) stands for. */
function releaseConfig(path: string): Record<string, string> {
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(new TextDecoder().decode(read(path, '--config'))) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof Unusable) throw e;
    throw new Unusable(`--config: ${path} is not JSON (${(e as Error).message})`);
  }
  const list = (k: string) => {
    const x = c[k];
    if (!Array.isArray(x) || x.length === 0) throw new Unusable(`--config: ${k} must be a non-empty list`);
    return x.map(String).join(',');
  };
  const text = (k: string, x: unknown = c[k]) => {
    if (typeof x !== 'string' || !x) throw new Unusable(`--config: ${k} must be a non-empty string`);
    return x;
  };
  const out: Record<string, string> = { vcpus: list('vcpus'), cpu: text('cpu'), product: list('products'), features: text('guestFeatures') };
  if (c.gpu !== undefined) {
    const g = c.gpu as Record<string, unknown>;
    out['gpu-driver'] = text('gpu.driver', g?.driver);
    out['gpu-vbios'] = text('gpu.vbios', g?.vbios);
  }
  return out;
}

async function main(argv: string[]): Promise<void> {
  let v;
  try {
    ({ values: v } = parseArgs({
      args: argv,
      strict: true,
      options: {
        ovmf: { type: 'string' }, kernel: { type: 'string' }, initrd: { type: 'string' }, append: { type: 'string' }, 'append-file': { type: 'string' },
        vcpus: { type: 'string' }, cpu: { type: 'string' }, product: { type: 'string' },
        features: { type: 'string' }, 'gpu-driver': { type: 'string' }, 'gpu-vbios': { type: 'string' }, out: { type: 'string' },
        config: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new Unusable(`${(e as Error).message}\n${USAGE}`);
  }
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!v.ovmf) throw new Unusable(`--ovmf is required\n${USAGE}`);
  if (v.config !== undefined) {
    const clash = (['vcpus', 'cpu', 'product', 'features', 'gpu-driver', 'gpu-vbios'] as const).find((k) => v[k] !== undefined);
    if (clash) throw new Unusable(`--${clash} and --config both say the VM shape: give one`);
    Object.assign(v, releaseConfig(v.config));
  }
  v.cpu ??= 'EPYC-v4';
  v.product ??= 'Genoa';
  v.features ??= '0x1';
  if (!v.vcpus) throw new Unusable(`--vcpus (or --config) is required\n${USAGE}`);
  const vcpus = v.vcpus.split(',').map((s) => Number(s.trim()));
  if (vcpus.some((n) => !Number.isInteger(n) || n < 1 || n > 512)) throw new Unusable(`--vcpus: got ${JSON.stringify(v.vcpus)}, want whole numbers 1..512, comma-separated`);
  const vcpuSig = VCPU_SIGNATURES[v.cpu];
  if (vcpuSig === undefined) throw new Unusable(`--cpu: got ${JSON.stringify(v.cpu)}, want one of ${Object.keys(VCPU_SIGNATURES).join(', ')}`);
  const products = v.product.split(',').map((s) => s.trim());
  const bad = products.find((p) => !(PRODUCTS as readonly string[]).includes(p));
  if (bad !== undefined) throw new Unusable(`--product: got ${JSON.stringify(bad)}, want ${PRODUCTS.join(', ')}`);
  if (!/^(0x)?[0-9a-f]+$/i.test(v.features)) throw new Unusable(`--features: got ${JSON.stringify(v.features)}, want a hex number such as 0x1`);
  const guestFeatures = parseInt(v.features.replace(/^0x/i, ''), 16);
  const direct = v.kernel !== undefined || v.initrd !== undefined || v.append !== undefined || v['append-file'] !== undefined;
  if (direct && !v.kernel) throw new Unusable('--initrd and --append need --kernel (measured direct boot measures all three)');
  if (v.append !== undefined && v['append-file'] !== undefined) throw new Unusable('give --append or --append-file, not both');
  if ((v['gpu-driver'] === undefined) !== (v['gpu-vbios'] === undefined)) throw new Unusable('--gpu-driver and --gpu-vbios go together');

  const ovmf = read(v.ovmf, '--ovmf');
  const kernel = v.kernel ? read(v.kernel, '--kernel') : undefined;
  const initrd = v.initrd ? read(v.initrd, '--initrd') : kernel ? new Uint8Array(0) : undefined;
  // A command line file is taken as written, less one trailing newline (what `echo > file` adds).
  const append = v['append-file'] !== undefined ? new TextDecoder().decode(read(v['append-file'], '--append-file')).replace(/\r?\n$/, '') : (v.append ?? (kernel ? '' : undefined));

  const ovmfHash = await ovmfDigest(ovmf); // once, not once per shape: it is most of the work
  const shapes = [];
  for (const n of vcpus) {
    const m = toHex(await launchMeasurement({ ovmf, ovmfHash, vcpus: n, vcpuSig, guestFeatures, ...(kernel ? { kernel, initrd: initrd!, append: append! } : {}) }));
    for (const product of products as Product[]) shapes.push({ vcpus: n, cpu: v.cpu, product, measurement: m });
  }
  const digest = async (b: Uint8Array | undefined) => (b ? toHex(await sha256(b)) : undefined);
  const inputs = {
    ovmf: (await digest(ovmf))!,
    ...(kernel ? { kernel: (await digest(kernel))!, initrd: (await digest(initrd))!, append: append! } : {}),
    guestFeatures,
    tool: `confidant measure ${process.env.npm_package_version ?? ''}`.trim(),
  };
  const gpu = v['gpu-driver'] !== undefined ? { driver: v['gpu-driver'], vbios: v['gpu-vbios']! } : undefined;
  const json = `${JSON.stringify(confidantPredicate(shapes, inputs, gpu), null, 2)}\n`;
  if (!v.out) {
    process.stdout.write(json);
    return;
  }
  writeFileSync(v.out, json);
  for (const s of shapes) process.stdout.write(`${s.product} ${s.cpu} ${s.vcpus} vCPU  ${s.measurement}\n`);
  process.stdout.write(`predicate written to ${v.out} (sha256 ${toHex(await sha256(new TextEncoder().encode(json)))})\n`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof Unusable || e instanceof ConfidantError) {
    process.stderr.write(`measure: ${e.message}\n`);
    process.exit(2);
  }
  throw e;
});
