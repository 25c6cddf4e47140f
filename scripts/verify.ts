/**
 * Verify attestation evidence from files, with the verifier the extension runs (src/core/attest).
 *
 *   npm run --silent verify -- --snp-report FILE --vcek FILE [--cert-chain FILE] [--crl FILE]
 *                              [--gpu-report FILE --gpu-certs FILE --gpu-nonce HEX] [--rim FILE]...
 *                              [--nras FILE --jwks FILE] [--nonce HEX] [--report-data HEX]
 *                              [--policy FILE] [--at ISO-8601-TIME] [--json]
 *   npm run --silent verify -- --evidence BUNDLE.json --nonce HEX [--policy FILE] [--at TIME] [--json]
 *   npm run --silent verify -- --gpu-report FILE --gpu-certs FILE --gpu-nonce HEX [--rim FILE]... [--policy FILE]
 *                              (GPU evidence alone: only the GPU is appraised)
 *   npm run --silent verify -- … --provenance-bundle FILE --repo OWNER/NAME --digest HEX [--trusted-root FILE]
 *                              (the SEV-SNP MEASUREMENT must be one the release's signed provenance names)
 *   npm run --silent verify -- provenance --bundle FILE --repo OWNER/NAME --digest HEX [--trusted-root FILE]
 *                              [--at UNIX_SECONDS]   (a release's Sigstore provenance alone; prints JSON)
 *
 * Prints every check (✓/✗, id, detail) and the claims; `--json` prints {"ok","checks","claims"}.
 * Exit status: 0 verified, 1 rejected (a check failed), 2 input unusable (the message names the
 * input and says why). The policy defaults to PRODUCTION_POLICY; a policy file is a JSON document
 * (docs/attestation.md, "Policy") whose absent fields keep their production values. Network access
 * is used only where the policy or the evidence asks for it (AMD CRL with "crl": "fetch", NVIDIA's
 * NRAS keys for a bundle appraised by NRAS). The trusted root defaults to the Sigstore public-good
 * root the extension bundles (src/core/provenance); provenance is checked offline.
 */
import { readFileSync } from 'node:fs';
import { ConfidantError, ParseError } from '../src/core/errors.ts';
import { verifyEvidence } from '../src/core/attest/evidence.ts';
import type { Evidence, GpuParts, Verdict } from '../src/core/attest/evidence.ts';
import { PRODUCTION_POLICY, parsePolicy } from '../src/core/attest/policy.ts';
import { fromHex } from '../src/core/bytes.ts';
import { reportBytesFromFile } from '../src/core/attest/sevsnp/abi.ts';
import { parseReportHex as gpuReportFromHex } from '../src/core/attest/nvidia/index.ts';
import type { Check } from '../src/core/attest/types.ts';
import { defaultGpuPolicy, verifyGpu } from '../src/core/attest/nvidia/index.ts';
import { PUBLIC_GOOD_TRUSTED_ROOT } from '../src/core/provenance/trusted-root.ts';
import { verifyProvenance, type ProvenanceResult } from '../src/core/provenance/verify.ts';

const USAGE = `usage: npm run --silent verify -- --snp-report FILE --vcek FILE [--cert-chain FILE] [--crl FILE]
         [--gpu-report FILE --gpu-certs FILE [--gpu-nonce HEX]] [--rim FILE]... [--nras FILE --jwks FILE]
         [--nonce HEX] [--report-data HEX] [--policy FILE] [--at ISO-8601-TIME] [--json]
         [--provenance-bundle FILE --repo OWNER/NAME --digest HEX [--trusted-root FILE]]
   or: npm run --silent verify -- --evidence BUNDLE.json --nonce HEX [--policy FILE] [--at TIME] [--json]
   or: npm run --silent verify -- --gpu-report FILE --gpu-certs FILE --gpu-nonce HEX [--rim FILE]... [--policy FILE] [--json]
   or: npm run --silent verify -- provenance --bundle FILE --repo OWNER/NAME --digest HEX [--trusted-root FILE] [--at UNIX_SECONDS]`;

/** Input that cannot be used: exit 2 with this message. */
class Unusable extends Error {}

const VALUE_FLAGS = [
  '--snp-report', '--vcek', '--cert-chain', '--crl', '--gpu-report', '--gpu-certs', '--gpu-nonce', '--rim', '--nras', '--jwks',
  '--evidence', '--nonce', '--policy', '--report-data', '--at',
  '--provenance-bundle', '--bundle', '--trusted-root', '--repo', '--digest',
] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];

interface Args {
  values: Partial<Record<ValueFlag, string>>;
  rims: string[];
  json: boolean;
}

function parseArgs(argv: string[]): Args {
  const out: Args = { values: {}, rims: [], json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') {
      out.json = true;
      continue;
    }
    if (a === '--help' || a === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (!(VALUE_FLAGS as readonly string[]).includes(flag)) throw new Unusable(`unknown argument ${JSON.stringify(a)}\n${USAGE}`);
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') throw new Unusable(`${flag} needs a value`);
    if (flag === '--rim') out.rims.push(value);
    else if (out.values[flag as ValueFlag] !== undefined) throw new Unusable(`${flag} given twice`);
    else out.values[flag as ValueFlag] = value;
  }
  return out;
}

function readBytes(path: string, flag: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new Unusable(`${flag} ${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function readText(path: string, flag: string): string {
  return new TextDecoder().decode(readBytes(path, flag));
}

function hexArg(v: string, flag: string, size?: number): Uint8Array {
  try {
    return fromHex(v.trim(), flag, size);
  } catch (e) {
    throw new Unusable(`${flag}: ${e instanceof ParseError ? e.message.slice(e.field.length + 2) : String(e)}`);
  }
}

function jsonFile(path: string, flag: string): unknown {
  const text = readText(path, flag);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new Unusable(`${flag} ${path}: not JSON (${(e as Error).message})`);
  }
}

/** The GPU report file: the binary blob, or its hex text (as NVIDIA's samples are). */
function gpuReport(path: string): Uint8Array {
  const bytes = readBytes(path, '--gpu-report');
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return /^[\s0-9a-fA-F]+$/.test(text) ? gpuReportFromHex(text, 'gpus[0].report') : bytes;
}

/**
 * A transcript exported from the extension's attestation view: the bundle exactly as received,
 * the nonce it answered, the policy the extension applied and when it checked.
 */
interface Transcript {
  format: 'confidant-attestation-transcript';
  /** 1, or 2 (which names the provider). */
  version: 1 | 2;
  provider?: string;
  nonce: string;
  checkedAt: string;
  policy?: unknown;
  bundle: unknown;
}

function transcriptFrom(args: Args): Transcript | null {
  const path = args.values['--evidence'];
  if (path === undefined) return null;
  const j = jsonFile(path, '--evidence') as Partial<Transcript>;
  if (j?.format !== 'confidant-attestation-transcript') return null;
  if ((j.version !== 1 && j.version !== 2) || typeof j.checkedAt !== 'string') {
    throw new Unusable(`--evidence ${path}: a Confidant transcript of an unknown version, or without checkedAt`);
  }
  if (j.provider !== undefined && j.provider !== 'confidant') {
    throw new Unusable(`--evidence ${path}: a transcript of a ${j.provider} endpoint; this command re-verifies Confidant gateway transcripts (for the SEV-SNP report of others, pass --snp-report and --vcek)`);
  }
  if (typeof j.nonce !== 'string' || !j.bundle) throw new Unusable(`--evidence ${path}: the transcript has no nonce or bundle`);
  return j as Transcript;
}

function evidenceFrom(args: Args, transcript: Transcript | null): Evidence {
  const v = args.values;
  const nonce = v['--nonce'] !== undefined ? hexArg(v['--nonce'], '--nonce', 32) : transcript ? hexArg(transcript.nonce, '--evidence (transcript nonce)', 32) : undefined;
  if (v['--evidence'] !== undefined) {
    const conflicting = VALUE_FLAGS.filter((f) => !['--evidence', '--nonce', '--policy', '--at'].includes(f) && v[f] !== undefined);
    if (conflicting.length || args.rims.length) throw new Unusable(`--evidence carries all evidence; do not combine it with ${[...conflicting, ...(args.rims.length ? ['--rim'] : [])].join(', ')}`);
    if (!nonce) throw new Unusable('--evidence needs --nonce HEX: the 32-byte nonce the bundle was requested with');
    return { bundle: transcript ? transcript.bundle : jsonFile(v['--evidence'], '--evidence'), nonce };
  }
  if (v['--snp-report'] === undefined || v['--vcek'] === undefined) throw new Unusable(`--snp-report and --vcek are required (or --evidence)\n${USAGE}`);
  const gpus: GpuParts[] = [];
  if (v['--gpu-report'] !== undefined || v['--gpu-certs'] !== undefined) {
    if (v['--gpu-report'] === undefined || v['--gpu-certs'] === undefined) throw new Unusable('--gpu-report and --gpu-certs go together');
    const g: GpuParts = { report: gpuReport(v['--gpu-report']), certChainPem: readText(v['--gpu-certs'], '--gpu-certs') };
    if (args.rims.length) g.rims = args.rims.map((p) => readText(p, '--rim'));
    if (v['--nras'] !== undefined || v['--jwks'] !== undefined) {
      if (v['--nras'] === undefined || v['--jwks'] === undefined) throw new Unusable('--nras and --jwks go together');
      g.nras = { token: readText(v['--nras'], '--nras'), jwks: jsonFile(v['--jwks'], '--jwks') };
    }
    if (v['--gpu-nonce'] !== undefined) g.expectedNonce = hexArg(v['--gpu-nonce'], '--gpu-nonce', 32);
    gpus.push(g);
  } else if (args.rims.length || v['--nras'] !== undefined || v['--gpu-nonce'] !== undefined) {
    throw new Unusable('--rim, --nras and --gpu-nonce need --gpu-report and --gpu-certs');
  }
  return {
    snp: {
      report: reportBytesFromFile(readBytes(v['--snp-report'], '--snp-report')),
      vcek: readBytes(v['--vcek'], '--vcek'),
      ...(v['--cert-chain'] !== undefined ? { certChain: readText(v['--cert-chain'], '--cert-chain') } : {}),
      ...(v['--crl'] !== undefined ? { crl: readBytes(v['--crl'], '--crl') } : {}),
    },
    gpus,
    ...(nonce ? { nonce } : {}),
    ...(v['--report-data'] !== undefined ? { reportData: hexArg(v['--report-data'], '--report-data', 64) } : {}),
  };
}

/** Which command-line input a ParseError field comes from. */
function inputOf(field: string, args: Args): string {
  if (field.startsWith('policy')) return `--policy ${args.values['--policy'] ?? ''}`.trim();
  if (args.values['--evidence'] !== undefined) return `--evidence ${args.values['--evidence']} (${field})`;
  const map: Array<[RegExp, string]> = [
    [/^snp\.report/, '--snp-report'],
    [/^snp\.vcek/, '--vcek'],
    [/^snp\.certChain/, '--cert-chain'],
    [/^snp\.crl/, '--crl'],
    [/^gpus\[\d+\]\.report/, '--gpu-report'],
    [/^gpus\[\d+\]\.certChainPem/, '--gpu-certs'],
  ];
  const hit = map.find(([re]) => re.test(field));
  return hit ? `${hit[1]} ${args.values[hit[1] as ValueFlag] ?? ''} (${field})` : field;
}

function printHuman(v: Verdict): void {
  const out: string[] = [];
  for (const c of v.checks) out.push(`${c.passed ? '✓' : '✗'} ${c.id}  ${c.detail}${!c.passed && (c.got !== undefined || c.want !== undefined) ? `  (got ${c.got ?? '?'}, want ${c.want ?? '?'})` : ''}`);
  out.push('', 'claims:');
  for (const [k, val] of Object.entries(v.claims)) out.push(`  ${k}: ${typeof val === 'object' && val !== null ? JSON.stringify(val) : String(val)}`);
  const failed = v.checks.filter((c: Check) => !c.passed).length;
  out.push('', v.ok ? `VERIFIED: all ${v.checks.length} checks passed` : `REJECTED: ${failed} of ${v.checks.length} checks failed`);
  process.stdout.write(`${out.join('\n')}\n`);
}

/** The release provenance flags, when given: verified offline against the trusted root. */
async function provenanceFrom(args: Args, bundleFlag: '--bundle' | '--provenance-bundle', at: Date): Promise<ProvenanceResult | null> {
  const v = args.values;
  if (v[bundleFlag] === undefined) {
    if (v['--repo'] !== undefined || v['--digest'] !== undefined || v['--trusted-root'] !== undefined) throw new Unusable(`--repo, --digest and --trusted-root go with ${bundleFlag}`);
    return null;
  }
  if (v['--repo'] === undefined || v['--digest'] === undefined) throw new Unusable(`${bundleFlag} needs --repo OWNER/NAME and --digest HEX (the SHA-256 of the release artefact)`);
  if (!/^[0-9a-fA-F]{64}$/.test(v['--digest'].trim())) throw new Unusable(`--digest ${v['--digest']}: want 64 hex digits (SHA-256)`);
  const trustedRoot = v['--trusted-root'] !== undefined ? jsonFile(v['--trusted-root'], '--trusted-root') : PUBLIC_GOOD_TRUSTED_ROOT;
  return verifyProvenance(jsonFile(v[bundleFlag]!, bundleFlag), { trustedRoot, repo: v['--repo'], digest: v['--digest'], at });
}

/** `verify provenance …`: a release's Sigstore provenance alone, as JSON. */
async function provenanceCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const allowed = ['--bundle', '--trusted-root', '--repo', '--digest', '--at'];
  const extra = Object.keys(args.values).filter((k) => !allowed.includes(k));
  if (extra.length || args.rims.length) throw new Unusable(`verify provenance takes ${allowed.join(', ')}; not ${[...extra, ...(args.rims.length ? ['--rim'] : [])].join(', ')}`);
  if (args.values['--bundle'] === undefined) throw new Unusable(`verify provenance needs --bundle FILE\n${USAGE}`);
  const atText = args.values['--at'];
  if (atText !== undefined && !/^\d{1,12}$/.test(atText)) throw new Unusable(`--at ${atText}: want Unix seconds`);
  const at = atText !== undefined ? new Date(Number(atText) * 1000) : new Date();
  const r = (await provenanceFrom(args, '--bundle', at))!;
  if (!r.ok) {
    const failed = r.checks.find((c) => !c.passed)!;
    process.stdout.write(`${JSON.stringify({ ok: false, failed: { id: failed.id, detail: failed.detail, ...(failed.got !== undefined ? { got: failed.got } : {}), ...(failed.want !== undefined ? { want: failed.want } : {}) } }, null, 2)}\n`);
    return 1;
  }
  const m = r.measurements!;
  const measurements = { snp: m.snp[0], ...(m.snp.length > 1 ? { snpAll: m.snp } : {}), ...(m.tdx ? { tdx: m.tdx } : {}), ...(m.gpu ? { gpu: m.gpu } : {}), ...(m.snpShapes ? { snpShapes: m.snpShapes } : {}) };
  process.stdout.write(`${JSON.stringify({ ok: true, predicateType: r.predicateType, measurements, workflowRef: r.workflowRef, repo: r.repo, rekorLogIndex: r.rekorLogIndex, integratedTime: r.integratedTime }, null, 2)}\n`);
  return 0;
}

/** GPU evidence alone (no SEV-SNP flags): only the GPU is appraised. */
async function gpuOnly(args: Args, policy: typeof PRODUCTION_POLICY, now: Date): Promise<Verdict> {
  const v = args.values;
  if (v['--gpu-report'] === undefined || v['--gpu-certs'] === undefined) throw new Unusable(`--gpu-report and --gpu-certs go together\n${USAGE}`);
  if (v['--gpu-nonce'] === undefined) throw new Unusable('GPU evidence alone needs --gpu-nonce HEX: the requester nonce the report must carry');
  const input: Parameters<typeof verifyGpu>[0] = { report: gpuReport(v['--gpu-report']), certChainPem: readText(v['--gpu-certs'], '--gpu-certs') };
  if (args.rims.length) input.rims = args.rims.map((p) => readText(p, '--rim'));
  if (v['--nras'] !== undefined || v['--jwks'] !== undefined) {
    if (v['--nras'] === undefined || v['--jwks'] === undefined) throw new Unusable('--nras and --jwks go together');
    input.nras = { token: readText(v['--nras'], '--nras'), jwks: jsonFile(v['--jwks'], '--jwks') };
  }
  const r = await verifyGpu(input, { ...policy.gpu, deviceRootsPem: defaultGpuPolicy.deviceRootsPem, rimRootsPem: defaultGpuPolicy.rimRootsPem }, { now, fetch: globalThis.fetch, expectedNonce: hexArg(v['--gpu-nonce'], '--gpu-nonce', 32) });
  const checks = r.checks.map((c) => ({ ...c, id: c.id.replace(/^gpu\./, 'gpu0.') }));
  return { ok: checks.length > 0 && checks.every((c) => c.passed), checks, claims: { gpus: [r.claims], nonce: null, simulated: false } };
}

async function main(): Promise<number> {
  let args: Args | undefined;
  try {
    if (process.argv[2] === 'provenance') return await provenanceCommand(process.argv.slice(3));
    args = parseArgs(process.argv.slice(2));
    const transcript = transcriptFrom(args);
    // A transcript is re-checked as the extension checked it: under the policy it recorded and at
    // the time it checked, unless --policy or --at says otherwise. Say so, loudly.
    const policy =
      args.values['--policy'] !== undefined
        ? parsePolicy(readText(args.values['--policy'], '--policy'))
        : transcript?.policy !== undefined
          ? parsePolicy(JSON.stringify(transcript.policy))
          : PRODUCTION_POLICY;
    const at = args.values['--at'] ?? transcript?.checkedAt;
    const now = at !== undefined ? new Date(at) : new Date();
    if (Number.isNaN(now.getTime())) throw new Unusable(`--at ${at}: not an ISO 8601 time`);
    if (transcript && !args.json) {
      process.stdout.write(
        `Confidant transcript: checked at ${transcript.checkedAt}; policy: ${args.values['--policy'] !== undefined ? args.values['--policy'] : transcript.policy !== undefined ? `as recorded ${JSON.stringify(transcript.policy)}` : 'production default'}\n\n`,
      );
    }
    const snpGiven = args.values['--snp-report'] !== undefined || args.values['--vcek'] !== undefined || args.values['--evidence'] !== undefined;
    if (!snpGiven && args.values['--gpu-report'] !== undefined) {
      const verdict = await gpuOnly(args, policy, now);
      if (args.json) process.stdout.write(`${JSON.stringify({ ok: verdict.ok, checks: verdict.checks, claims: verdict.claims }, null, 2)}\n`);
      else printHuman(verdict);
      return verdict.ok ? 0 : 1;
    }
    const evidence = evidenceFrom(args, transcript);
    // --at sets when the certificates must be valid; the log entry only may not be from the future.
    const provenance = await provenanceFrom(args, '--provenance-bundle', new Date(Math.max(now.getTime(), Date.now())));
    const verdict = await verifyEvidence(evidence, policy, { now, fetch: globalThis.fetch });
    if (provenance) {
      // The release's provenance must verify, and name the MEASUREMENT the report carries.
      verdict.checks.push(...provenance.checks);
      const m = verdict.claims.measurement;
      if (provenance.ok) {
        const named = provenance.measurements!.snp;
        verdict.checks.push(
          m !== undefined && named.includes(m)
            ? { id: 'provenance.measurement', passed: true, detail: `MEASUREMENT is the build of ${provenance.repo} at ${provenance.workflowRef} (Rekor entry ${provenance.rekorLogIndex})`, field: 'MEASUREMENT', got: m }
            : { id: 'provenance.measurement', passed: false, detail: `MEASUREMENT is not one the release's provenance names (${named.length})`, field: 'MEASUREMENT', got: m ?? '', want: named.join(' | ') },
        );
      }
      verdict.ok = verdict.ok && verdict.checks.every((c) => c.passed);
    }
    if (args.json) process.stdout.write(`${JSON.stringify({ ok: verdict.ok, checks: verdict.checks, claims: verdict.claims }, null, 2)}\n`);
    else printHuman(verdict);
    return verdict.ok ? 0 : 1;
  } catch (e) {
    if (e instanceof Unusable) process.stderr.write(`input unusable: ${e.message}\n`);
    else if (e instanceof ParseError) process.stderr.write(`input unusable: ${args ? inputOf(e.field, args) : e.field}: ${e.message.slice(e.field.length + 2)}\n`);
    else if (e instanceof ConfidantError) process.stderr.write(`cannot verify (${e.code}): ${e.message}\n`);
    else process.stderr.write(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 2;
  }
}

process.exitCode = await main();
