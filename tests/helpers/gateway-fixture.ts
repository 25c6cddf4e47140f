/** A stand-in upstream plus a real simulated gateway, both child processes, and client helpers. */
import { attestGateway, type VerifiedChannel } from '../../src/core/channel/client.ts';
import type { EvidenceBundle } from '../../src/core/attest/bundle.ts';
import { concatBytes } from '../../src/core/bytes.ts';
import type { ConfidantError } from '../../src/core/errors.ts';
import { startGateway, startStandIn, type Running } from './processes.ts';
import { checkSimulatedBundle } from './sim-check.ts';

export interface Stack {
  standIn: Running;
  gateway: Running;
  attest: (opts?: { fetch?: typeof fetch; url?: string }) => Promise<{ channel: VerifiedChannel; bundle: EvidenceBundle }>;
  stop: () => Promise<void>;
}

export async function startStack(gatewayArgs: string[] = [], opts: { quiet?: boolean } = {}): Promise<Stack> {
  const standIn = await startStandIn();
  let gateway: Running;
  try {
    gateway = await startGateway(['--simulated', '--upstream', standIn.url, ...(opts.quiet === false ? [] : ['--quiet']), ...gatewayArgs]);
  } catch (e) {
    await standIn.stop();
    throw e;
  }
  return {
    standIn,
    gateway,
    attest: async (opts = {}) => {
      const { channel, bundle } = await attestGateway({
        gatewayUrl: opts.url ?? gateway.url,
        fetch: opts.fetch,
        verify: (b, nonce) => checkSimulatedBundle(b, nonce),
      });
      return { channel, bundle };
    },
    stop: async () => {
      await Promise.all([gateway.stop(), standIn.stop()]);
    },
  };
}

export async function collect(it: AsyncIterable<{ reasoning?: string; content?: string; finishReason?: string | null }>): Promise<{ reasoning: string; content: string; finishReason: string | null | undefined }> {
  let reasoning = '';
  let content = '';
  let finishReason: string | null | undefined;
  for await (const d of it) {
    reasoning += d.reasoning ?? '';
    content += d.content ?? '';
    if (d.finishReason !== undefined) finishReason = d.finishReason;
  }
  return { reasoning, content, finishReason };
}

export function splitFrames(body: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let o = 0;
  while (o + 5 <= body.length) {
    const len = new DataView(body.buffer, body.byteOffset + o + 1, 4).getUint32(0, false);
    out.push(body.slice(o, o + 5 + len));
    o += 5 + len;
  }
  if (o !== body.length) out.push(body.slice(o));
  return out;
}

/** A fetch whose chat response body is rewritten frame by frame (tamper, drop, reorder, splice). */
export function rewritingFetch(transform: (frames: Uint8Array[]) => Uint8Array[]): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    if (!String(input).endsWith('/v1/chat/completions')) return res;
    const body = new Uint8Array(await res.arrayBuffer());
    return new Response(concatBytes(transform(splitFrames(body))) as BodyInit, { status: res.status, headers: res.headers });
  };
}

/** Captures sealed request bodies sent through it. */
export function capturingFetch(): { fetch: typeof fetch; bodies: Uint8Array[] } {
  const bodies: Uint8Array[] = [];
  return {
    bodies,
    fetch: async (input, init) => {
      if (init?.body instanceof Uint8Array) bodies.push((init.body as Uint8Array).slice());
      return fetch(input, init);
    },
  };
}

/** A chat request of one user question. */
export const question = (content: string) => ({ messages: [{ role: 'user' as const, content }] });

/** The error `p` rejects with; a test fails if it resolves. */
export async function failure(p: Promise<unknown>): Promise<ConfidantError> {
  try {
    await p;
  } catch (e) {
    return e as ConfidantError;
  }
  throw new Error('expected a failure');
}
