/**
 * verify: "is this report really signed by AMD hardware?"
 *
 * Checks, each one a `Check` (never a throw):
 *  - the certificate chain ARK -> ASK -> VCEK, or ARK -> ASVK -> VLEK, against trust anchors the
 *    caller passes (AMD's pinned roots by default); a chain carried in the evidence is only compared
 *    with the pinned one (57230 §2, "Certificate chain");
 *  - certificate validity at the injected `now`;
 *  - the VCEK/VLEK extensions against the report: productName, hwID == CHIP_ID, the SPLs == REPORTED_TCB
 *    (57230 §3; 56860 Table 23 says the VCEK is derived from REPORTED_TCB);
 *  - the report signature: ECDSA P-384 / SHA-384 over bytes 0x000..0x29F (56860 Table 23 and the
 *    appendix "ECDSA P-384 with SHA-384");
 *  - AMD's CRL (signed by the ARK) when given, or fetched from KDS when the policy asks for it.
 *
 * What it does not do: judge whether a genuine report is acceptable (validate.ts), or parse bytes (abi.ts, certs.ts).
 * Results of signature checks on identical bytes are cached (see `clearVerifyCaches`); time-dependent
 * checks (validity, CRL freshness) are never cached.
 */
import { ConfidantError } from '../../errors.ts';
import type { AttestOptions, Check } from '../types.ts';
import { bytesEqual, isAllZero, sha256, toHex } from '../../bytes.ts';
import { X509Certificate } from '../x509/peculiar.ts';
import type { X509Crl } from '../x509/peculiar.ts';
import { decodeTcb, reportProduct, signatureP1363, signedBytes, tcbHex, tcbLayoutProduct } from './abi.ts';
import type { Product, SnpReport, TcbParts } from './abi.ts';
import {
  certDer,
  commonName,
  amdSignatureProblem,
  describeAlgorithm,
  parseCertificate,
  parseCrl,
  signatureAlgorithmOf,
  vcekExtensions,
} from './certs.ts';
import type { SplName, VcekExtensions } from './certs.ts';
import { AMD_TRUST_ANCHORS, kdsCrlUrl } from './roots.ts';
import type { SnpTrustAnchor } from './roots.ts';

/** How the AMD CRL is obtained: only when given (`if-given`), given or fetched from KDS (`fetch`, soft), or given or fetched and required (`require`). */
export type CrlPolicy = 'if-given' | 'fetch' | 'require';

export interface SnpVerifyInput {
  report: SnpReport;
  /** The VCEK or VLEK that signed the report. */
  vcek: X509Certificate;
  /** ASK/ASVK and ARK as the evidence carried them: compared with the pinned anchors, never trusted. */
  evidenceChain?: readonly X509Certificate[];
  crl?: X509Crl;
}

export interface SnpVerifyOptions extends AttestOptions {
  /** Trust anchors; default AMD_TRUST_ANCHORS. */
  roots?: readonly SnpTrustAnchor[];
  crl?: CrlPolicy;
}

export interface SnpVerifyResult {
  checks: Check[];
  /** Product line of the chain (or, when no anchor matched, the best guess used to decode the TCB). */
  product: Product;
  /** The anchor the chain ended in, when one matched. */
  anchor: SnpTrustAnchor | undefined;
  /** Which kind of key the certificate is. */
  keyKind: 'VCEK' | 'VLEK';
  extensions: VcekExtensions;
}

interface AnchorCerts {
  ark: X509Certificate;
  ask?: X509Certificate;
  asvk?: X509Certificate;
}

// ---- caches (pure functions of bytes; bounded) ----

const MAX_CACHE = 256;
const anchorCache = new Map<string, X509Certificate>();
const keyCache = new Map<string, Promise<CryptoKey>>();
const sigCache = new Map<string, boolean>();

function remember<K, V>(m: Map<K, V>, k: K, v: V): V {
  if (m.size >= MAX_CACHE) m.delete(m.keys().next().value as K);
  m.set(k, v);
  return v;
}

/**
 * AMD's CRLs as fetched, by URL, kept until their nextUpdate: KDS rate-limits, and a CRL is valid
 * until then. Only a CRL whose signature and dates checked is kept; it is checked again on use.
 */
const crlFetchCache = new Map<string, { der: Uint8Array; nextUpdate: number }>();

/** Forget every cached parse, key import, signature result and fetched CRL (cold-start benchmarks, tests). */
export function clearVerifyCaches(): void {
  crlFetchCache.clear();
  anchorCache.clear();
  keyCache.clear();
  sigCache.clear();
}

/** Cache keys are SHA-256 digests of the DER (collision-resistant: a cached result is only ever reused for the same bytes). */
const digestMemo = new WeakMap<object, Promise<string>>();
function derKey(x: X509Certificate | X509Crl): Promise<string> {
  let p = digestMemo.get(x);
  if (!p) {
    p = sha256(new Uint8Array(x.rawData)).then(toHex);
    digestMemo.set(x, p);
  }
  return p;
}

function anchorCert(pem: string, what: string): X509Certificate {
  const hit = anchorCache.get(pem);
  if (hit) return hit;
  try {
    return remember(anchorCache, pem, parseCertificate(pem, what));
  } catch (e) {
    throw new ConfidantError('E_INTERNAL', `trust anchor ${what} is unusable: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function anchorCerts(a: SnpTrustAnchor): AnchorCerts {
  const name = `${a.source}/${a.product}`;
  const out: AnchorCerts = { ark: anchorCert(a.ark, `${name} ARK`) };
  if (a.ask) out.ask = anchorCert(a.ask, `${name} ASK`);
  if (a.asvk) out.asvk = anchorCert(a.asvk, `${name} ASVK`);
  return out;
}

async function importKey(cert: X509Certificate, alg: RsaHashedImportParams | EcKeyImportParams): Promise<CryptoKey> {
  const k = `${alg.name}|${await derKey(cert)}`;
  const hit = keyCache.get(k);
  if (hit) return hit;
  const p = crypto.subtle.importKey('spki', new Uint8Array(cert.publicKey.rawData), alg, false, ['verify']);
  p.catch(() => keyCache.delete(k));
  return remember(keyCache, k, p);
}

/**
 * Whether `subject` (certificate or CRL) is signed by `issuer` the way AMD signs: RSASSA-PSS,
 * SHA-384, salt 48, issuer name matching. Returns why not, or undefined when it is.
 */
async function whyNotSignedBy(subject: X509Certificate | X509Crl, issuer: X509Certificate): Promise<string | undefined> {
  const algProblem = amdSignatureProblem(new Uint8Array(subject.rawData));
  if (algProblem) {
    return `signature algorithm is ${describeAlgorithm(signatureAlgorithmOf(subject))} (${algProblem}), want RSA-PSS SHA-384 (MGF1 SHA-384) salt 48`;
  }
  if (subject.issuer !== issuer.subject) return `issuer "${subject.issuer}" is not the subject "${issuer.subject}"`;
  const k = `${await derKey(issuer)}|${await derKey(subject)}`;
  let ok = sigCache.get(k);
  if (ok === undefined) {
    let key: CryptoKey;
    try {
      key = await importKey(issuer, { name: 'RSA-PSS', hash: 'SHA-384' });
    } catch {
      return `the issuer's public key (${issuer.publicKey.algorithm.name}) cannot verify RSA-PSS`;
    }
    try {
      ok = subject instanceof X509Certificate ? await subject.verify({ publicKey: key, signatureOnly: true }) : await subject.verify({ publicKey: key });
    } catch {
      ok = false;
    }
    remember(sigCache, k, ok);
  }
  return ok ? undefined : 'signature does not verify';
}

/**
 * Self-consistency of one trust anchor: the ARK is self-signed and issues the ASK/ASVK, all with
 * AMD's algorithm. Returns the problems found (empty when none). For tests and start-up self-checks.
 */
export async function trustAnchorProblems(anchor: SnpTrustAnchor): Promise<string[]> {
  const certs = anchorCerts(anchor);
  const problems: string[] = [];
  const arkWhy = await whyNotSignedBy(certs.ark, certs.ark);
  if (arkWhy) problems.push(`ARK: ${arkWhy}`);
  for (const [name, mid] of [['ASK', certs.ask], ['ASVK', certs.asvk]] as const) {
    if (!mid) continue;
    const why = await whyNotSignedBy(mid, certs.ark);
    if (why) problems.push(`${name}: ${why}`);
  }
  return problems;
}

// ---- checks ----

function pass(id: string, detail: string, extra: Partial<Check> = {}): Check {
  return { id, passed: true, detail, ...extra };
}
function fail(id: string, detail: string, extra: Partial<Check> = {}): Check {
  return { id, passed: false, detail, ...extra };
}

const ISSUER_CN = /^SEV-(?:VLEK-)?(Milan|Genoa|Turin)$/;

function iso(d: Date): string {
  return Number.isNaN(d.getTime()) ? String(d) : d.toISOString();
}

/** Which SPL extension corresponds to which TCB part. */
const SPL_PARTS: ReadonlyArray<[SplName, keyof TcbParts, string]> = [
  ['blSPL', 'bl', 'BOOT_LOADER'],
  ['teeSPL', 'tee', 'TEE'],
  ['snpSPL', 'snp', 'SNP'],
  ['ucodeSPL', 'ucode', 'MICROCODE'],
  ['fmcSPL', 'fmc', 'FMC'],
];

export async function verifyReport(input: SnpVerifyInput, opts: SnpVerifyOptions): Promise<SnpVerifyResult> {
  const { report, vcek } = input;
  const roots = opts.roots ?? AMD_TRUST_ANCHORS;
  const now = opts.now;
  const checks: Check[] = [];

  // -- which key signed: SIGNER_INFO.SIGNING_KEY versus the certificate given
  const leafCn = commonName(vcek.subject);
  const certKind = leafCn === 'SEV-VCEK' ? 'VCEK' : leafCn === 'SEV-VLEK' ? 'VLEK' : undefined;
  const signingKey = report.SIGNER_INFO.SIGNING_KEY;
  const keyKind: 'VCEK' | 'VLEK' = certKind ?? (signingKey === 'VLEK' ? 'VLEK' : 'VCEK');
  const leafId = keyKind === 'VLEK' ? 'vlek' : 'vcek';
  const midName = keyKind === 'VLEK' ? 'ASVK' : 'ASK';
  const midId = keyKind === 'VLEK' ? 'asvk' : 'ask';
  if (signingKey === 'NONE') {
    checks.push(fail('snp.report.signingKey', 'SIGNER_INFO.SIGNING_KEY is 7 (none): the report is not signed', { field: 'SIGNER_INFO.SIGNING_KEY', got: 'NONE', want: 'VCEK or VLEK' }));
  } else if (certKind !== signingKey) {
    checks.push(fail('snp.report.signingKey', `SIGNER_INFO.SIGNING_KEY says ${signingKey}, but the certificate given is ${certKind ?? `CN=${leafCn ?? '?'}`}`, { field: 'SIGNER_INFO.SIGNING_KEY', got: certKind ?? String(leafCn), want: signingKey }));
  } else {
    checks.push(pass('snp.report.signingKey', `SIGNER_INFO.SIGNING_KEY is ${signingKey}, matching the certificate (CN=${leafCn})`, { field: 'SIGNER_INFO.SIGNING_KEY', got: signingKey }));
  }

  // -- the chain: find anchors whose ASK/ASVK issued this certificate
  const issuerCn = commonName(vcek.issuer);
  const cnProduct = ISSUER_CN.exec(issuerCn ?? '')?.[1] as Product | undefined;
  const candidates: Array<{ anchor: SnpTrustAnchor; certs: AnchorCerts; mid: X509Certificate }> = [];
  for (const anchor of roots) {
    const certs = anchorCerts(anchor);
    const mid = keyKind === 'VLEK' ? certs.asvk : certs.ask;
    if (mid && mid.subject === vcek.issuer) candidates.push({ anchor, certs, mid });
  }

  let chosen: (typeof candidates)[number] | undefined;
  let chainChecks: Check[] = [];
  for (const c of candidates) {
    const arkWhy = await whyNotSignedBy(c.certs.ark, c.certs.ark);
    const midWhy = await whyNotSignedBy(c.mid, c.certs.ark);
    const leafWhy = await whyNotSignedBy(vcek, c.mid);
    const src = c.anchor.source === 'amd' ? 'pinned AMD root' : 'development root (simulated evidence)';
    const arkCn = commonName(c.certs.ark.subject);
    const midCn = commonName(c.mid.subject);
    const these = [
      arkWhy
        ? fail('snp.chain.ark', `ARK ${arkCn} (${src}): ${arkWhy}`)
        : pass('snp.chain.ark', `ARK ${arkCn} is a ${src}; its self-signature (RSA-PSS SHA-384) verifies`),
      midWhy
        ? fail(`snp.chain.${midId}`, `${midName} ${midCn} is not signed by ARK ${arkCn}: ${midWhy}`)
        : pass(`snp.chain.${midId}`, `${midName} ${midCn} is signed by ARK ${arkCn}`),
      leafWhy
        ? fail(`snp.chain.${leafId}`, `${keyKind} (serial ${vcek.serialNumber}) is not signed by ${midName} ${midCn}: ${leafWhy}`)
        : pass(`snp.chain.${leafId}`, `${keyKind} is signed by ${midName} ${midCn}`),
    ];
    if (!chosen || these.every((x) => x.passed)) {
      chosen = c;
      chainChecks = these;
    }
    if (these.every((x) => x.passed)) break;
  }
  if (!chosen) {
    const trusted = roots.map((a) => `${a.source}/${a.product}`).join(', ') || 'none';
    const why = `the ${keyKind}'s issuer "${issuerCn ?? vcek.issuer}" is no trusted ${midName} (product ${cnProduct ?? 'unknown'}; trusted roots: ${trusted})`;
    chainChecks = [
      fail('snp.chain.ark', `no trusted ARK for this chain: ${why}`, { got: cnProduct ?? String(issuerCn), want: trusted }),
      fail(`snp.chain.${midId}`, `no trusted ${midName}: ${why}`),
      fail(`snp.chain.${leafId}`, `${keyKind} cannot be chained to a trusted root: ${why}`),
    ];
  }
  checks.push(...chainChecks);

  // -- a chain carried in the evidence may only be compared with the pinned one
  if (input.evidenceChain && input.evidenceChain.length > 0) {
    const pinned = chosen ? [chosen.certs.ark, chosen.mid] : [];
    const leafDer = certDer(vcek);
    const odd: string[] = [];
    input.evidenceChain.forEach((c, i) => {
      const der = certDer(c);
      if (bytesEqual(der, leafDer)) return;
      if (!pinned.some((p) => bytesEqual(certDer(p), der))) odd.push(`#${i} (${commonName(c.subject) ?? c.subject})`);
    });
    checks.push(
      odd.length === 0 && chosen
        ? pass('snp.chain.evidence', `the ${input.evidenceChain.length} certificate(s) carried in the evidence are byte-identical to the trusted ${midName}/ARK`)
        : fail('snp.chain.evidence', `certificate(s) carried in the evidence differ from the trusted chain: ${odd.join(', ') || 'no trusted chain to compare with'}`),
    );
  } else {
    checks.push(pass('snp.chain.evidence', 'the evidence carried no ASK/ARK; the trusted chain was used'));
  }

  // -- validity at `now`
  const validityOf: Array<[string, X509Certificate]> = chosen
    ? [[`ARK ${commonName(chosen.certs.ark.subject)}`, chosen.certs.ark], [`${midName} ${commonName(chosen.mid.subject)}`, chosen.mid], [keyKind, vcek]]
    : [[keyKind, vcek]];
  const invalid = validityOf.filter(([, c]) => !(c.notBefore.getTime() <= now.getTime() && now.getTime() <= c.notAfter.getTime()));
  if (Number.isNaN(now.getTime())) {
    checks.push(fail('snp.cert.validity', `the verification time is not a valid date`));
  } else if (invalid.length) {
    checks.push(
      fail(
        'snp.cert.validity',
        invalid
          .map(([n, c]) => (now < c.notBefore ? `${n} is not valid before ${iso(c.notBefore)}` : `${n} expired ${iso(c.notAfter)}`))
          .join('; ') + ` (checked at ${iso(now)})`,
        { got: iso(now), want: invalid.map(([n, c]) => `${n}: ${iso(c.notBefore)}..${iso(c.notAfter)}`).join('; ') },
      ),
    );
  } else {
    checks.push(pass('snp.cert.validity', `${validityOf.map(([n]) => n).join(', ')} valid at ${iso(now)}`));
  }

  // -- extensions versus report
  const ext = vcekExtensions(vcek);
  const extProduct = typeof ext.productName === 'string' ? ext.productName.split('-')[0] : undefined;
  const product: Product = chosen?.anchor.product ?? cnProduct ?? (isKnown(extProduct) ? extProduct : tcbLayoutProduct(report));
  if (typeof ext.productName !== 'string') {
    checks.push(fail(`snp.${leafId}.productName`, `${keyKind} productName extension (${'1.3.6.1.4.1.3704.1.2'}) ${ext.productName instanceof Error ? `is malformed: ${ext.productName.message}` : 'is missing'}`, { field: 'productName', want: product }));
  } else if (extProduct !== product) {
    checks.push(fail(`snp.${leafId}.productName`, `${keyKind} productName is "${ext.productName}", but the chain is for ${product}`, { field: 'productName', got: ext.productName, want: product }));
  } else {
    checks.push(pass(`snp.${leafId}.productName`, `${keyKind} productName "${ext.productName}" matches the ${product} chain`, { field: 'productName', got: ext.productName }));
  }

  checks.push(hwIdCheck(report, ext, keyKind, leafId, product));

  const tcb = decodeTcb(report.REPORTED_TCB, product);
  for (const [spl, part, amdName] of SPL_PARTS) {
    if (part === 'fmc' && product !== 'Turin') continue;
    const want = tcb[part]!;
    const got = ext[spl];
    const id = `snp.${leafId}.${spl}`;
    const field = `REPORTED_TCB.${amdName}`;
    if (typeof got !== 'number') {
      checks.push(fail(id, `${keyKind} ${spl} extension ${got instanceof Error ? `is malformed: ${got.message}` : 'is missing'}`, { field, want: String(want) }));
    } else if (got !== want) {
      checks.push(fail(id, `${keyKind} ${spl} is ${got}, but ${field} (in ${tcbHex(report.REPORTED_TCB)}) is ${want}: the certificate is for another TCB`, { field, got: String(got), want: String(want) }));
    } else {
      checks.push(pass(id, `${keyKind} ${spl} ${got} equals ${field}`, { field, got: String(got) }));
    }
  }

  // -- the product the report names (CPUID, VERSION >= 3) versus the chain
  const cpuProduct = reportProduct(report);
  if (report.CPUID_FAM_ID === undefined) {
    checks.push(pass('snp.report.product', `VERSION ${report.VERSION} reports carry no CPUID; product ${product} comes from the certificate chain`));
  } else if (cpuProduct !== product) {
    const cpuid = `family 0x${report.CPUID_FAM_ID.toString(16)} model 0x${report.CPUID_MOD_ID!.toString(16)}`;
    checks.push(fail('snp.report.product', `CPUID ${cpuid} is ${cpuProduct ?? 'no known SEV-SNP product'}, but the chain is for ${product}`, { field: 'CPUID_FAM_ID/CPUID_MOD_ID', got: cpuProduct ?? cpuid, want: product }));
  } else {
    checks.push(pass('snp.report.product', `CPUID family/model name ${cpuProduct}, matching the chain`, { field: 'CPUID_FAM_ID/CPUID_MOD_ID', got: cpuProduct }));
  }

  // -- the report signature
  checks.push(await signatureCheck(report, vcek, keyKind));

  // -- revocation
  checks.push(...(await crlChecks(input.crl, chosen, keyKind, product, opts)));

  return { checks, product, anchor: chosen?.anchor, keyKind, extensions: ext };
}

function isKnown(p: string | undefined): p is Product {
  return p === 'Milan' || p === 'Genoa' || p === 'Turin';
}

function hwIdCheck(report: SnpReport, ext: VcekExtensions, keyKind: 'VCEK' | 'VLEK', leafId: string, product: Product): Check {
  const id = `snp.${leafId}.hwID`;
  const field = 'CHIP_ID';
  if (keyKind === 'VLEK') {
    return ext.hwID === undefined
      ? pass(id, 'a VLEK names no chip (no hwID extension); CHIP_ID is not compared', { field })
      : fail(id, 'a VLEK must not carry a hwID extension', { field });
  }
  if (report.SIGNER_INFO.MASK_CHIP_KEY) {
    return pass(id, 'SIGNER_INFO.MASK_CHIP_KEY is set: CHIP_ID is masked, hwID not compared', { field });
  }
  if (!(ext.hwID instanceof Uint8Array)) {
    return fail(id, `VCEK hwID extension ${ext.hwID instanceof Error ? `is malformed: ${ext.hwID.message}` : 'is missing'}`, { field });
  }
  if (isAllZero(report.CHIP_ID)) {
    return pass(id, 'CHIP_ID is all zero (the platform masks it, MASK_CHIP_ID): hwID not compared', { field, got: toHex(report.CHIP_ID) });
  }
  const want = ext.hwID.length === 8 && product === 'Turin' ? report.CHIP_ID.subarray(0, 8) : report.CHIP_ID;
  if (!bytesEqual(ext.hwID, want)) {
    return fail(id, `VCEK hwID is not this report's CHIP_ID: the certificate belongs to another chip`, { field, got: toHex(ext.hwID), want: toHex(want) });
  }
  return pass(id, `VCEK hwID equals CHIP_ID${want.length === 8 ? ' (first 8 bytes, Turin)' : ''}`, { field, got: toHex(want) });
}

async function signatureCheck(report: SnpReport, vcek: X509Certificate, keyKind: 'VCEK' | 'VLEK'): Promise<Check> {
  const id = 'snp.report.signature';
  if (report.SIGNER_INFO.SIGNING_KEY === 'NONE') return fail(id, 'the report is unsigned (SIGNING_KEY 7)', { field: 'SIGNATURE' });
  const kalg = vcek.publicKey.algorithm as EcKeyAlgorithm;
  if (kalg.name !== 'ECDSA' || kalg.namedCurve !== 'P-384') {
    return fail(id, `the ${keyKind} key is ${kalg.name} ${kalg.namedCurve ?? ''}, want ECDSA P-384`, { field: 'SIGNATURE' });
  }
  let ok = false;
  try {
    const key = await importKey(vcek, { name: 'ECDSA', namedCurve: 'P-384' });
    ok = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-384' }, key, signatureP1363(report) as BufferSource, signedBytes(report) as BufferSource);
  } catch {
    ok = false;
  }
  return ok
    ? pass(id, `SIGNATURE (ECDSA P-384, SHA-384) over bytes 0x000..0x29F verifies under the ${keyKind} key`, { field: 'SIGNATURE' })
    : fail(id, `SIGNATURE does not verify under the ${keyKind} key: the report was changed or the ${keyKind} is for another report`, { field: 'SIGNATURE' });
}

function isAbort(e: unknown): boolean {
  return (e instanceof DOMException || e instanceof Error) && e.name === 'AbortError';
}

/**
 * Revocation of the ASK/ASVK by AMD's CRL. `if-given`: checked only against a CRL that came with the
 * evidence. `fetch`: given, or fetched from AMD KDS; when no usable CRL can be had (offline, HTTP
 * error, unparsable, wrongly signed, stale) the check passes with `got: "not checked"` and says why,
 * so the verdict shows "revocation not checked". `require`: the same, but that case fails. A validly
 * signed, current CRL that lists the key always fails.
 */
async function crlChecks(
  given: X509Crl | undefined,
  chosen: { certs: AnchorCerts; mid: X509Certificate } | undefined,
  keyKind: 'VCEK' | 'VLEK',
  product: Product,
  opts: SnpVerifyOptions,
): Promise<Check[]> {
  const policy = opts.crl ?? 'if-given';
  const unusable = (why: string, extra: Partial<Check> = {}): Check[] =>
    policy === 'require'
      ? [fail('snp.crl', `${why}; the policy requires a revocation check (crl: require)`, { got: 'not checked', want: 'a current CRL signed by the ARK', ...extra })]
      : [pass('snp.crl', `revocation not checked: ${why}`, { got: 'not checked' })];
  let crl = given;
  let source = 'given with the evidence';
  let fetchedDer: Uint8Array | undefined;
  let fetchedUrl: string | undefined;
  if (!crl) {
    if (policy === 'if-given') return [pass('snp.crl', 'revocation not checked: no CRL was given (policy crl: if-given)', { got: 'not checked' })];
    const url = kdsCrlUrl(product, keyKind);
    const cached = crlFetchCache.get(url);
    if (cached && cached.nextUpdate > opts.now.getTime()) {
      crl = parseCrl(cached.der, 'cached CRL');
      source = `fetched from ${url}, kept until its nextUpdate`;
    } else {
      if (!opts.fetch) return unusable(`no network access was provided to GET ${url}`);
      try {
        const res = await opts.fetch(url, opts.signal ? { signal: opts.signal } : {});
        if (!res.ok) return unusable(`GET ${url} answered HTTP ${res.status}`);
        fetchedDer = new Uint8Array(await res.arrayBuffer());
        crl = parseCrl(fetchedDer, 'fetched CRL');
        source = `fetched from ${url}`;
        fetchedUrl = url;
      } catch (e) {
        if (isAbort(e)) throw new ConfidantError('E_ABORTED', 'CRL fetch was stopped.');
        return unusable(`could not use the CRL from ${url}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
  if (!chosen) return unusable(`the CRL (${source}) cannot be checked: no trusted ARK for this chain`);
  const why = await whyNotSignedBy(crl, chosen.certs.ark);
  if (why) return unusable(`the CRL (${source}) is not signed by ARK ${commonName(chosen.certs.ark.subject)}: ${why}`);
  const now = opts.now.getTime();
  if (crl.thisUpdate.getTime() > now) {
    return unusable(`the CRL (${source}) is not yet valid: thisUpdate ${iso(crl.thisUpdate)} is after ${iso(opts.now)}`);
  }
  if (crl.nextUpdate && crl.nextUpdate.getTime() < now) {
    return unusable(`the CRL (${source}) is stale: nextUpdate ${iso(crl.nextUpdate)} is before ${iso(opts.now)}`);
  }
  if (fetchedDer && fetchedUrl && crl.nextUpdate) {
    if (crlFetchCache.size >= 16) crlFetchCache.delete(crlFetchCache.keys().next().value!);
    crlFetchCache.set(fetchedUrl, { der: fetchedDer, nextUpdate: crl.nextUpdate.getTime() });
  }
  const out: Check[] = [pass('snp.crl', `CRL (${source}) is signed by ARK ${commonName(chosen.certs.ark.subject)} and current (thisUpdate ${iso(crl.thisUpdate)})`)];
  const midName = keyKind === 'VLEK' ? 'ASVK' : 'ASK';
  const revoked = crl.findRevoked(chosen.mid);
  out.push(
    revoked
      ? fail(`snp.crl.${midName.toLowerCase()}`, `${midName} ${commonName(chosen.mid.subject)} (serial ${chosen.mid.serialNumber}) is revoked since ${iso(revoked.revocationDate)}`, { got: 'revoked', want: 'not revoked' })
      : pass(`snp.crl.${midName.toLowerCase()}`, `${midName} ${commonName(chosen.mid.subject)} (serial ${chosen.mid.serialNumber}) is not on the CRL`),
  );
  return out;
}
