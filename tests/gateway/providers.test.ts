/**
 * Real evidence providers against stand-ins: a fake configfs-tsm folder returning the real Milan
 * report, AMD KDS as an injected fetch, a fake GPU evidence command printing the real H100
 * vector, and NVIDIA's RIM service as a loopback server.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { ConfigfsSnpProvider } from '../../gateway/evidence/snp.ts';
import { CommandGpuProvider } from '../../gateway/evidence/gpu.ts';
import { buildCertTable, CERT_GUIDS, parseCertTable } from '../../gateway/evidence/snp-report.ts';
import { fromHex } from '../../src/core/bytes.ts';
import { fakeConfigfs, type FakeConfigfs } from '../helpers/fake-configfs.ts';
import { PROJECT_ROOT } from '../helpers/processes.ts';
import { readVector, readVectorText } from '../helpers/vectors.ts';

const report = fromHex(readVectorText('snp/milan-virtee/report_milan.hex').trim(), 'report_milan.hex');
const vcekDer = readVector('snp/milan-virtee/vcek_milan.der');
const chainPem = readVectorText('snp/milan-virtee/cert_chain_milan.pem');
const pems = chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
const pemToDer = (p: string) => new Uint8Array(Buffer.from(p.replace(/-----[^-]+-----|\s/g, ''), 'base64'));
const fakes: FakeConfigfs[] = [];
afterAll(() => fakes.forEach((f) => f.close()));

describe('configfs-tsm SNP provider', () => {
  it('reads the report and the VCEK/ASK/ARK from the auxblob certificate table', async () => {
    const aux = buildCertTable([
      [CERT_GUIDS.VCEK, vcekDer],
      [CERT_GUIDS.ASK, pemToDer(pems[0]!)],
      [CERT_GUIDS.ARK, pemToDer(pems[1]!)],
    ]);
    expect([...parseCertTable(aux).keys()]).toEqual([CERT_GUIDS.VCEK, CERT_GUIDS.ASK, CERT_GUIDS.ARK]);
    const fake = fakeConfigfs(report, aux);
    fakes.push(fake);
    let fetched = false;
    const p = new ConfigfsSnpProvider({ root: fake.root, product: 'Milan', fetch: (async () => ((fetched = true), new Response('', { status: 500 }))) as typeof fetch });
    const reportData = new Uint8Array(64).fill(7);
    const ev = await p.report(reportData);
    expect(Buffer.from(ev.report).equals(Buffer.from(report))).toBe(true);
    expect(pemToDer(ev.vcekPem)).toEqual(vcekDer);
    expect(ev.certChainPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(fetched).toBe(false);
    expect(fake.entriesSeen).toHaveLength(1);
    // our REPORT_DATA was written to inblob, and the entry was removed afterwards
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(fake.root, fake.entriesSeen[0]!))).toBe(false);
  });

  it('fetches the VCEK from AMD KDS (REPORTED_TCB, CHIP_ID) when the auxblob is empty, and caches it', async () => {
    const fake = fakeConfigfs(report, new Uint8Array(0));
    fakes.push(fake);
    const urls: string[] = [];
    const kds: typeof fetch = async (input) => {
      const url = String(input);
      urls.push(url);
      if (url.endsWith('/cert_chain')) return new Response(chainPem);
      return new Response(vcekDer as BodyInit);
    };
    const p = new ConfigfsSnpProvider({ root: fake.root, product: 'Milan', fetch: kds });
    const ev = await p.report(new Uint8Array(64));
    await p.report(new Uint8Array(64));
    const chipHex = Buffer.from(report.subarray(0x1a0, 0x1e0)).toString('hex');
    // milan-virtee REPORTED_TCB 0x7308000000000003: bl 3, tee 0, snp 8, ucode 115
    expect(urls.filter((u) => !u.endsWith('cert_chain'))).toEqual([`https://kdsintf.amd.com/vcek/v1/Milan/${chipHex}?blSPL=03&teeSPL=00&snpSPL=08&ucodeSPL=115`]);
    expect(urls.filter((u) => u.endsWith('cert_chain'))).toEqual(['https://kdsintf.amd.com/vcek/v1/Milan/cert_chain']);
    expect(pemToDer(ev.vcekPem)).toEqual(vcekDer);
  });

  it('refuses a folder that is not configfs-tsm', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const p = new ConfigfsSnpProvider({ root: mkdtempSync(join(tmpdir(), 'not-tsm-')), attributeWaitMs: 50 });
    await expect(p.report(new Uint8Array(64))).rejects.toThrow(/provider attribute/);
  });
});

describe('GPU evidence command and RIM service', () => {
  const vectorNonce = fromHex('27a328247bf7935c993341cf587be6f05986ccce4fe7ba2c54100bd616a58f66', 'vectorNonce');
  const command = [process.execPath, '--import', 'tsx', join(PROJECT_ROOT, 'tests/helpers/fake-gpu-evidence.ts'), '{nonce}', 'sdk-535-sample'];

  it('runs the command with the nonce, checks the report answers it, and fetches + caches both RIMs', async () => {
    const requested: string[] = [];
    const server = createServer((req, res) => {
      const id = decodeURIComponent(req.url!.replace('/v1/rim/', ''));
      requested.push(id);
      const xml = id.startsWith('NV_GPU_VBIOS_') ? readVectorText('h100/sdk-535-sample/1010_0200_882_96005E0001_PROD.swidtag') : readVectorText('h100/rims/NV_GPU_DRIVER_GH100_550.144.03.xml');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id, rim: Buffer.from(xml).toString('base64'), sha256: '' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const gpu = new CommandGpuProvider({ command, rimBase: `http://127.0.0.1:${port}/v1/rim/` });
      const ev = await gpu.evidence(vectorNonce);
      expect(ev).toHaveLength(1);
      expect(Buffer.from(ev[0]!.report).toString('hex')).toBe(readVectorText('h100/sdk-535-sample/hopperAttestationReport.txt').trim().toLowerCase());
      expect(ev[0]!.certChainPem).toBe(readVectorText('h100/sdk-535-sample/hopperCertChain.txt'));
      const ref = await gpu.reference(ev);
      await gpu.reference(ev);
      expect(ref.kind).toBe('rims');
      expect(ref.kind === 'rims' && ref.rims.map((r) => r.id)).toEqual(['NV_GPU_DRIVER_GH100_535.86.09', 'NV_GPU_VBIOS_1010_0200_882_96005E0001']);
      expect(ref.kind === 'rims' && ref.rims[1]!.xml).toContain('SoftwareIdentity');
      expect(requested).toEqual(['NV_GPU_DRIVER_GH100_535.86.09', 'NV_GPU_VBIOS_1010_0200_882_96005E0001']);
    } finally {
      server.close();
    }
  });

  it('refuses evidence that answers another nonce', async () => {
    const gpu = new CommandGpuProvider({ command });
    await expect(gpu.evidence(new Uint8Array(32).fill(1))).rejects.toThrow(/another nonce/);
  });
});
