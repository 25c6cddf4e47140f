/**
 * The predicate types a release's provenance may carry, and the measurements each yields. Only
 * these are accepted (any other type is a failed `provenance.predicateType` check).
 *
 *  - Tinfoil's `https://tinfoil.sh/predicate/snp-tdx-multiplatform/v1`:
 *      { "snp_measurement": "<96 hex>", "tdx_measurement": { "rtmr1": "<96 hex>", "rtmr2": "<96 hex>" } }
 *  - Confidant's gateway `https://confidant.dev/predicate/gateway/v1` (docs/provenance.md):
 *      { "snp": [ { "vcpus": 8, "cpu": "EPYC-v4", "product": "Genoa", "measurement": "<96 hex>" }, … ],
 *        "gpu": { "driver": "570.172.08", "vbios": "96.00.CF.00.02" },
 *        "inputs": { … what the measurement was computed from, for people who recompute it … } }
 */
import { ParseError } from '../errors.ts';

export const TINFOIL_PREDICATE = 'https://tinfoil.sh/predicate/snp-tdx-multiplatform/v1';
export const CONFIDANT_PREDICATE = 'https://confidant.dev/predicate/gateway/v1';
export const ALLOWED_PREDICATES: readonly string[] = [TINFOIL_PREDICATE, CONFIDANT_PREDICATE];

/** What a predicate says the build measures as. */
export interface PredicateMeasurements {
  /** SEV-SNP launch measurements the build may have (one per vCPU count and CPU type). */
  snp: string[];
  /** Intel TDX runtime measurement registers (Tinfoil), when given. */
  tdx?: { rtmr1: string; rtmr2: string };
  /** Expected NVIDIA versions (Confidant), when given. */
  gpu?: { driver: string; vbios: string };
  /** For Confidant: each SNP measurement with the VM shape it belongs to. */
  snpShapes?: { vcpus: number; cpu: string; product: string; measurement: string }[];
}

const HEX96 = /^[0-9a-f]{96}$/;
type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

function hex96(v: unknown, field: string): string {
  const s = typeof v === 'string' ? v.trim().toLowerCase() : '';
  if (!HEX96.test(s)) throw new ParseError(field, `got ${JSON.stringify(v)?.slice(0, 40)}, want 96 hex digits (48 bytes)`);
  return s;
}

function tinfoil(p: Obj): PredicateMeasurements {
  if (!isObj(p.tdx_measurement)) throw new ParseError('predicate.tdx_measurement', 'missing: want {"rtmr1", "rtmr2"}');
  return {
    snp: [hex96(p.snp_measurement, 'predicate.snp_measurement')],
    tdx: { rtmr1: hex96(p.tdx_measurement.rtmr1, 'predicate.tdx_measurement.rtmr1'), rtmr2: hex96(p.tdx_measurement.rtmr2, 'predicate.tdx_measurement.rtmr2') },
  };
}

function confidant(p: Obj): PredicateMeasurements {
  if (!Array.isArray(p.snp) || p.snp.length === 0) throw new ParseError('predicate.snp', 'missing: want a non-empty list of {vcpus, cpu, product, measurement}');
  const shapes = p.snp.map((e, i) => {
    const f = `predicate.snp[${i}]`;
    if (!isObj(e)) throw new ParseError(f, 'want {vcpus, cpu, product, measurement}');
    if (typeof e.vcpus !== 'number' || !Number.isInteger(e.vcpus) || e.vcpus < 1 || e.vcpus > 512) throw new ParseError(`${f}.vcpus`, `got ${JSON.stringify(e.vcpus)}, want 1..512`);
    if (typeof e.cpu !== 'string' || !e.cpu) throw new ParseError(`${f}.cpu`, 'want the vCPU type, e.g. "EPYC-v4"');
    if (e.product !== 'Milan' && e.product !== 'Genoa' && e.product !== 'Turin') throw new ParseError(`${f}.product`, `got ${JSON.stringify(e.product)}, want Milan, Genoa or Turin`);
    return { vcpus: e.vcpus, cpu: e.cpu, product: e.product, measurement: hex96(e.measurement, `${f}.measurement`) };
  });
  let gpu: PredicateMeasurements['gpu'];
  if (p.gpu !== undefined) {
    if (!isObj(p.gpu) || typeof p.gpu.driver !== 'string' || typeof p.gpu.vbios !== 'string') throw new ParseError('predicate.gpu', 'want {"driver", "vbios"}');
    gpu = { driver: p.gpu.driver, vbios: p.gpu.vbios };
  }
  return { snp: [...new Set(shapes.map((s) => s.measurement))], snpShapes: shapes, ...(gpu ? { gpu } : {}) };
}

/** The measurements of an allow-listed predicate. Throws ParseError naming the missing or bad field. */
export function measurementsOf(predicateType: string, predicate: unknown): PredicateMeasurements {
  if (!isObj(predicate)) throw new ParseError('predicate', 'want an object');
  if (predicateType === TINFOIL_PREDICATE) return tinfoil(predicate);
  if (predicateType === CONFIDANT_PREDICATE) return confidant(predicate);
  throw new ParseError('predicateType', `${predicateType} is not an allowed predicate type`);
}

/** What a Confidant gateway predicate records about how its measurements were computed. */
export interface ConfidantPredicateInputs {
  /** SHA-256 (hex) of each launch input, so a reader can tell which files to recompute from. */
  ovmf: string;
  kernel?: string;
  initrd?: string;
  append?: string;
  guestFeatures: number;
  /** The tool and version that computed the measurements. */
  tool: string;
}

/**
 * The `https://confidant.dev/predicate/gateway/v1` predicate for a build (`npm run measure`
 * writes it; the release workflow attests it). Sorted and stable, so the same inputs give the same
 * bytes and the same subject digest.
 */
export function confidantPredicate(
  shapes: readonly { vcpus: number; cpu: string; product: 'Milan' | 'Genoa' | 'Turin'; measurement: string }[],
  inputs: ConfidantPredicateInputs,
  gpu?: { driver: string; vbios: string },
): Record<string, unknown> {
  const snp = [...shapes]
    .sort((a, b) => a.product.localeCompare(b.product) || a.cpu.localeCompare(b.cpu) || a.vcpus - b.vcpus)
    .map((s) => ({ vcpus: s.vcpus, cpu: s.cpu, product: s.product, measurement: s.measurement }));
  const { guestFeatures, ...rest } = inputs;
  const predicate = { snp, ...(gpu ? { gpu: { driver: gpu.driver, vbios: gpu.vbios } } : {}), inputs: { ...rest, guestFeatures: `0x${guestFeatures.toString(16)}` } };
  measurementsOf(CONFIDANT_PREDICATE, predicate); // what we publish must be what we accept
  return predicate;
}
