/**
 * A stand-in for the parts of GitHub's REST API a `releases` trust source reads, on loopback:
 *   GET /repos/:owner/:name/releases                        newest first
 *   GET /repos/:owner/:name/releases/assets/:id             the asset's bytes (as the API serves them)
 *   GET /repos/:owner/:name/attestations/sha256::digest     { attestations: [{ bundle }] }
 * Releases are published with Sigstore bundles made by @sigstore/mock (sigstore-mock.ts), exactly
 * as `actions/attest` would attach them.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONFIDANT_PREDICATE, TINFOIL_PREDICATE } from '../../src/core/provenance/predicates.ts';
import { CONFIDANT_PREDICATE_ASSET, TINFOIL_HASH_ASSET } from '../../src/core/provenance/releases.ts';
import { statement, type MockSigstore } from './sigstore-mock.ts';

interface Asset {
  id: number;
  name: string;
  bytes: Uint8Array;
}
interface Release {
  tag: string;
  assets: Asset[];
}

export interface GithubStandIn {
  api: string;
  /** Publishes a Confidant gateway release naming these SNP measurements. */
  publishConfidant(repo: string, tag: string, measurements: string[], opts?: { ref?: string }): Promise<void>;
  /** Publishes a Tinfoil-style release (tinfoil.hash + an snp-tdx-multiplatform predicate). */
  publishTinfoil(repo: string, tag: string, snpMeasurement: string): Promise<void>;
  requests: string[];
  close(): Promise<void>;
}

export async function startGithubStandIn(sigstore: MockSigstore): Promise<GithubStandIn> {
  const releases = new Map<string, Release[]>();
  const bundles = new Map<string, unknown[]>();
  const requests: string[] = [];
  let nextId = 1;

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(path);
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type, 'access-control-allow-origin': '*' });
      res.end(body instanceof Uint8Array ? Buffer.from(body) : JSON.stringify(body));
    };
    let m = /^\/repos\/([^/]+\/[^/]+)\/releases$/.exec(path);
    if (m) {
      const list = releases.get(m[1]!) ?? [];
      return send(
        200,
        [...list].reverse().map((r) => ({
          tag_name: r.tag,
          draft: false,
          prerelease: false,
          assets: r.assets.map((a) => ({ id: a.id, name: a.name, url: `${api}/repos/${m![1]}/releases/assets/${a.id}`, digest: `sha256:${createHash('sha256').update(a.bytes).digest('hex')}` })),
        })),
      );
    }
    m = /^\/repos\/([^/]+\/[^/]+)\/releases\/assets\/(\d+)$/.exec(path);
    if (m) {
      const asset = (releases.get(m[1]!) ?? []).flatMap((r) => r.assets).find((a) => a.id === Number(m![2]));
      return asset ? send(200, asset.bytes, 'application/octet-stream') : send(404, { message: 'Not Found' });
    }
    m = /^\/repos\/([^/]+\/[^/]+)\/attestations\/sha256:([0-9a-f]{64})$/.exec(path);
    if (m) {
      const b = bundles.get(`${m[1]}@${m[2]}`);
      return b ? send(200, { attestations: b.map((bundle) => ({ bundle })) }) : send(404, { message: 'Not Found' });
    }
    send(404, { message: 'Not Found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function add(repo: string, release: Release, digest: string, bundle: unknown): void {
    releases.set(repo, [...(releases.get(repo) ?? []), release]);
    bundles.set(`${repo}@${digest}`, [...(bundles.get(`${repo}@${digest}`) ?? []), bundle]);
  }

  return {
    api,
    requests,
    async publishConfidant(repo, tag, measurements, opts = {}) {
      const predicate = { snp: measurements.map((measurement) => ({ vcpus: 8, cpu: 'EPYC-v4', product: 'Genoa', measurement })), gpu: { driver: '550.90.07', vbios: '96.00.9F.00.01' } };
      const bytes = new TextEncoder().encode(JSON.stringify(predicate, null, 2));
      const digest = createHash('sha256').update(bytes).digest('hex');
      const bundle = await sigstore.sign(statement(digest, CONFIDANT_PREDICATE, predicate, CONFIDANT_PREDICATE_ASSET), { repo, ref: opts.ref ?? `refs/tags/${tag}` });
      add(repo, { tag, assets: [{ id: nextId++, name: CONFIDANT_PREDICATE_ASSET, bytes }] }, digest, bundle);
    },
    async publishTinfoil(repo, tag, snpMeasurement) {
      const digest = createHash('sha256').update(`${repo}@${tag}`).digest('hex');
      const predicate = { snp_measurement: snpMeasurement, tdx_measurement: { rtmr1: '00'.repeat(48), rtmr2: '00'.repeat(48) } };
      const bundle = await sigstore.sign(statement(digest, TINFOIL_PREDICATE, predicate), { repo, ref: `refs/tags/${tag}` });
      add(repo, { tag, assets: [{ id: nextId++, name: TINFOIL_HASH_ASSET, bytes: new TextEncoder().encode(`${digest}\n`) }] }, digest, bundle);
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
