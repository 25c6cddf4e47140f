/**
 * Added cost of the sealed channel: the same stand-in upstream (tests/helpers/stand-in-upstream.ts)
 * asked for the same 200-token answer, plainly over HTTP (SSE straight from the stand-in) and
 * sealed through a simulated gateway (HPKE X-Wing request, AES-256-GCM frames, one extra hop).
 * Time to first content token and tokens per second, medians of RUNS runs; attestation is done
 * once beforehand (it is per key, not per request) and reported against a plain GET.
 * Run: npx tsx -e "import('./bench/channel.ts').then(async m => (await import('./bench/lib.ts')).printRows(await m.run()))"
 */
import { median, row, type BenchRow } from './lib.ts';
import { attestGateway, openSealedChat } from '../src/core/channel/client.ts';
import { sseData } from '../src/core/channel/openai.ts';
import { startGateway, startStandIn } from '../tests/helpers/processes.ts';
import { checkSimulatedBundle } from '../tests/helpers/sim-check.ts';

const TOKENS = 200;
const RUNS = 7;
/** Unpaced: the upstream emits as fast as it can, so the channel's own cost shows. */
const FAST = `Please answer at length. [[tokens:${TOKENS}]]`;
/** Paced like a real model (5 ms per token, 200 tok/s): does the channel keep up? */
const PACED = `Please answer at length. [[tokens:100]] [[delay:5]]`;

async function plainRun(url: string, PROMPT: string): Promise<{ ttft: number; tps: number }> {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: PROMPT }] }),
  });
  let first = 0;
  let n = 0;
  for await (const data of sseData(res.body!)) {
    if (data === '[DONE]') break;
    const c = JSON.parse(data).choices?.[0]?.delta?.content;
    if (c) {
      if (!first) first = performance.now();
      n++;
    }
  }
  const end = performance.now();
  return { ttft: first - t0, tps: n / ((end - first) / 1000) };
}

export async function run(): Promise<BenchRow[]> {
  const standIn = await startStandIn();
  const gateway = await startGateway(['--simulated', '--quiet', '--upstream', standIn.url]);
  try {
    const a0 = performance.now();
    const { channel } = await attestGateway({ gatewayUrl: gateway.url, verify: (b, n) => checkSimulatedBundle(b, n) });
    const attestMs = performance.now() - a0;
    const g0 = performance.now();
    await (await fetch(`${standIn.url}/v1/models`)).json();
    const plainGetMs = performance.now() - g0;

    const sealedRun = async (PROMPT: string): Promise<{ ttft: number; tps: number }> => {
      const t0 = performance.now();
      let first = 0;
      let n = 0;
      for await (const d of openSealedChat(channel, { messages: [{ role: 'user', content: PROMPT }] })) {
        if (d.content) {
          if (!first) first = performance.now();
          n++;
        }
      }
      const end = performance.now();
      return { ttft: first - t0, tps: n / ((end - first) / 1000) };
    };

    const rows: BenchRow[] = [];
    for (const [label, prompt] of [
      ['unpaced upstream', FAST],
      ['upstream paced at 200 tok/s', PACED],
    ] as const) {
      await plainRun(standIn.url, prompt);
      await sealedRun(prompt);
      const plain: { ttft: number; tps: number }[] = [];
      const sealed: { ttft: number; tps: number }[] = [];
      for (let i = 0; i < RUNS; i++) {
        plain.push(await plainRun(standIn.url, prompt));
        sealed.push(await sealedRun(prompt));
      }
      rows.push(
        row(`channel (${label}): time to first token, sealed`, median(sealed.map((r) => r.ttft)), 'ms', 'plain HTTP', median(plain.map((r) => r.ttft))),
        row(`channel (${label}): tokens per second, sealed`, median(sealed.map((r) => r.tps)), 'tok/s', 'plain HTTP', median(plain.map((r) => r.tps))),
      );
    }
    rows.push(row('channel: attestation (fetch bundle + dev verification)', attestMs, 'ms', 'plain GET /v1/models', plainGetMs));
    const paced = rows.find((r) => r.name.includes('paced at') && r.name.includes('first token'));
    if (paced) {
      // #12's target, reported, not asserted: the sealed channel's cost on time to first token.
      const extra = paced.value - paced.baselineValue;
      console.log(`\n  target (this 2-core machine): sealed over plain time to first token, paced upstream ${extra.toFixed(1)} ms, target ≤ +5 ms: ${extra <= 5 ? 'met' : 'MISSED'}`);
    }
    return rows;
  } finally {
    await Promise.all([gateway.stop(), standIn.stop()]);
  }
}
