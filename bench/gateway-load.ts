/**
 * The gateway under load (issue #13): 200 concurrent sealed streams of 50 tokens each, alone
 * (baseline) and while a flood of unauthenticated junk hits it (1,000 sealed-looking bodies with a
 * wrong key id, 500 attestation requests, 200 garbage bodies). Reported: streams served, wall time,
 * junk answered with an error, and the gateway's resident memory (VmRSS) after each phase. Median
 * of RUNS runs; one gateway process for everything, started fresh for the bench.
 */
import { readFileSync } from 'node:fs';
import { attestGateway, openSealedChat } from '../src/core/channel/client.ts';
import { toBase64Url } from '../src/core/bytes.ts';
import { startGateway, startStandIn } from '../tests/helpers/processes.ts';
import { checkSimulatedBundle } from '../tests/helpers/sim-check.ts';
import { median, row, type BenchRow } from './lib.ts';

const STREAMS = 200;
const RUNS = 3;
const KEY = 'bench-key';

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export async function run(): Promise<BenchRow[]> {
  const standIn = await startStandIn();
  const gateway = await startGateway(['--simulated', '--quiet', '--upstream', standIn.url, '--api-key', KEY]);
  try {
    const { channel } = await attestGateway({ gatewayUrl: gateway.url, verify: (b, n) => checkSimulatedBundle(b, n) });
    const rssStart = rssMb(gateway.child.pid!);
    const streams = async (): Promise<{ ms: number; ok: number }> => {
      const t0 = performance.now();
      const results = await Promise.allSettled(
        Array.from({ length: STREAMS }, async () => {
          let n = 0;
          for await (const d of openSealedChat(channel, { messages: [{ role: 'user', content: 'load [[tokens:50]]' }] }, { apiKey: KEY })) if (d.content) n++;
          return n;
        }),
      );
      return { ms: performance.now() - t0, ok: results.filter((r) => r.status === 'fulfilled' && r.value === 50).length };
    };
    const junk = async (): Promise<number> => {
      const post = (body: Uint8Array | string, ct: string) => fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': ct }, body: body as BodyInit }).then((r) => r.arrayBuffer().then(() => r.status));
      const fake = new Uint8Array(1200);
      fake.set([1, 8, ...new TextEncoder().encode('nosuchid'), 0x04, 0x60]);
      const all = await Promise.allSettled([
        ...Array.from({ length: 1000 }, () => post(fake, 'application/vnd.confidant.sealed-request.v1')),
        ...Array.from({ length: 200 }, () => post('not even close', 'text/plain')),
        ...Array.from({ length: 500 }, () => fetch(`${gateway.url}/v1/attestation?nonce=${toBase64Url(crypto.getRandomValues(new Uint8Array(32)))}`).then((r) => r.arrayBuffer().then(() => r.status))),
      ]);
      return all.filter((r) => r.status === 'fulfilled' && r.value >= 400).length;
    };
    const base: number[] = [];
    const loaded: number[] = [];
    let okBase = 0;
    let okLoaded = 0;
    let refused = 0;
    for (let i = 0; i < RUNS; i++) {
      const b = await streams();
      base.push(b.ms);
      okBase = b.ok;
      const [l, r] = await Promise.all([streams(), junk()]);
      loaded.push(l.ms);
      okLoaded = l.ok;
      refused = r;
    }
    const rssAfter = rssMb(gateway.child.pid!);
    return [
      row(`${STREAMS} concurrent sealed streams under a junk flood`, median(loaded), 'ms', `${STREAMS} streams alone`, median(base)),
      row('streams completed under the flood', okLoaded, 'streams', 'streams completed alone', okBase),
      row('junk requests refused (401/400/410) or queued out (429)', refused, 'requests', 'junk requests sent (the attestations that fit the queue are served)', 1700),
      row('gateway resident memory after the runs', rssAfter, 'MB', 'gateway memory at start (idle)', rssStart),
    ];
  } finally {
    await gateway.stop();
    await standIn.stop();
  }
}
