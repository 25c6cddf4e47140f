/**
 * The gateway's HTTP surface (docs/protocol.md):
 *   GET  /v1/attestation?nonce=<base64url 32 bytes>  evidence bundle JSON
 *   POST /v1/chat/completions                         sealed request in, sealed stream out
 *   GET  /healthz
 * Logs method, path, status and time only: never bodies, keys or API keys.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ErrorCode } from '../src/core/errors.ts';
import { CLIENT_NONCE_BYTES, type BindingVersion } from '../src/core/attest/binding.ts';
import { fromBase64Lenient, toHex } from '../src/core/bytes.ts';
import { FrameSealer } from '../src/core/channel/frames.ts';
import { openRequest, parseEnvelope, type ChatRequestBody } from '../src/core/channel/request.ts';
import { FRAME_DATA, FRAME_END, FRAME_ERROR, REQUEST_CONTENT_TYPE, STREAM_CONTENT_TYPE } from '../src/core/channel/suite.ts';
import { ConfidantError } from '../src/core/errors.ts';
import { buildBundle } from './attestation.ts';
import type { EvidenceSource } from './evidence/types.ts';
import type { KeyManager } from './keys.ts';
import { UpstreamError, type Upstream, type UpstreamEvent } from './upstream.ts';

export interface GatewayOptions {
  keys: KeyManager;
  evidence: EvidenceSource;
  upstream: Upstream;
  /** Required API key; null accepts any (development). */
  apiKey: string | null;
  maxBodyBytes: number;
  /** Exact origins allowed besides chrome-extension://<32 a–p>. */
  allowOrigins?: string[];
  /** Concurrent evidence collections. */
  maxAttestations?: number;
  /** How many attestations may wait for a slot; more get 429 with Retry-After (default 16). */
  maxAttestationQueue?: number;
  /** Bundle version: 2 (default), or 1 to test clients during the transition. */
  bundleVersion?: BindingVersion;
  log?: (line: string) => void;
}

const EXTENSION_ORIGIN = /^chrome-extension:\/\/[a-p]{32}$/;
const MAX_MESSAGES = 256;

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Constant-time API key check (both sides hashed to equal length first). */
export function apiKeyMatches(expected: string | null, given: string | null): boolean {
  if (expected === null) return true;
  if (given === null) return false;
  return timingSafeEqual(digest(expected), digest(given));
}

/** Too many attestations are already waiting: the caller answers 429 with Retry-After. */
export class Busy extends Error {}

/** At most `max` at once and at most `maxWaiting` queued; beyond that, Busy (no unbounded queue). */
class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(
    private readonly max: number,
    private readonly maxWaiting: number,
  ) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) {
      if (this.waiting.length >= this.maxWaiting) throw new Busy();
      await new Promise<void>((r) => this.waiting.push(r));
    }
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

function validBody(r: unknown): r is ChatRequestBody {
  const b = r as ChatRequestBody;
  if (!b || !Array.isArray(b.messages) || b.messages.length === 0 || b.messages.length > MAX_MESSAGES) return false;
  for (const m of b.messages) {
    if (!m || typeof m.content !== 'string' || !['system', 'user', 'assistant'].includes(m.role)) return false;
  }
  for (const k of ['max_tokens', 'temperature', 'top_p'] as const) if (b[k] !== undefined && typeof b[k] !== 'number') return false;
  if (b.reasoning_effort !== undefined && !['low', 'medium', 'high'].includes(b.reasoning_effort)) return false;
  return true;
}

export function createGateway(opts: GatewayOptions): Server {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const attestations = new Semaphore(opts.maxAttestations ?? 2, opts.maxAttestationQueue ?? 16);
  const inflight = new Set<AbortController>();

  function cors(req: IncomingMessage, res: ServerResponse): void {
    const origin = req.headers.origin;
    if (origin && (EXTENSION_ORIGIN.test(origin) || opts.allowOrigins?.includes(origin))) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-expose-headers', 'retry-after, content-type');
    }
    res.setHeader('vary', 'origin');
  }

  function plainError(res: ServerResponse, status: number, code: ErrorCode, message: string, extra: Record<string, string> = {}): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...extra });
    res.end(JSON.stringify({ error: { code, message } }));
  }

  async function readBody(req: IncomingMessage): Promise<Uint8Array> {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > opts.maxBodyBytes) throw new ConfidantError('E_BAD_REQUEST', 'too large', { status: 413 });
    const parts: Buffer[] = [];
    let n = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      n += c.length;
      if (n > opts.maxBodyBytes) throw new ConfidantError('E_BAD_REQUEST', 'too large', { status: 413 });
      parts.push(c);
    }
    return new Uint8Array(Buffer.concat(parts));
  }

  async function attestation(req: IncomingMessage, res: ServerResponse, url: URL): Promise<number> {
    const nonceText = url.searchParams.get('nonce') ?? '';
    let nonce: Uint8Array;
    try {
      nonce = fromBase64Lenient(nonceText);
    } catch {
      nonce = new Uint8Array(0);
    }
    if (!/^[A-Za-z0-9_-]+$/.test(nonceText) || nonce.length !== CLIENT_NONCE_BYTES) {
      plainError(res, 400, 'E_BAD_REQUEST', `nonce must be ${CLIENT_NONCE_BYTES} bytes, base64url without padding`);
      return 400;
    }
    const ac = new AbortController();
    req.on('close', () => ac.abort());
    try {
      const key = await opts.keys.current();
      const bundle = await attestations.run(() => buildBundle({ nonce, key, source: opts.evidence, model: opts.upstream.model, signal: ac.signal, version: opts.bundleVersion ?? 2 }));
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(bundle));
      return 200;
    } catch (e) {
      if (e instanceof Busy) {
        plainError(res, 429, 'E_RATE_LIMITED', 'Too many attestations at once; try again shortly.', { 'retry-after': '2' });
        return 429;
      }
      log(`attestation failed: ${(e as Error).message}`);
      plainError(res, 503, 'E_INTERNAL', 'Evidence could not be collected.');
      return 503;
    }
  }

  async function chat(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (ct !== REQUEST_CONTENT_TYPE && ct !== 'application/octet-stream') {
      plainError(res, 415, 'E_BAD_REQUEST', `Send the sealed request as ${REQUEST_CONTENT_TYPE}.`);
      return 415;
    }
    let body: Uint8Array;
    try {
      body = await readBody(req);
    } catch {
      plainError(res, 413, 'E_BAD_REQUEST', `The sealed request is larger than ${opts.maxBodyBytes} bytes.`);
      return 413;
    }
    let env;
    try {
      env = parseEnvelope(body);
    } catch (e) {
      plainError(res, 400, 'E_CHANNEL', (e as Error).message);
      return 400;
    }
    const found = opts.keys.lookup(env.keyId);
    if (!found.ok) {
      plainError(res, 410, 'E_KEY_EXPIRED', 'The channel key is unknown or expired; attest again.');
      return 410;
    }
    let opened;
    try {
      opened = await openRequest(env, found.key.keyPair);
    } catch (e) {
      const err = e instanceof ConfidantError ? e : new ConfidantError('E_CHANNEL', 'The sealed request did not open.');
      plainError(res, 400, err.code, err.message);
      return 400;
    }
    // From here on every answer is sealed to this request.
    const sealer = new FrameSealer(opened.streamKeys);
    const sealedError = async (status: number, code: ErrorCode, message: string, retryAfter?: number): Promise<number> => {
      const headers: Record<string, string> = { 'content-type': STREAM_CONTENT_TYPE, 'cache-control': 'no-store' };
      if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
      const frame = await sealer.sealJson(FRAME_ERROR, retryAfter === undefined ? { code, message } : { code, message, retryAfter });
      res.writeHead(status, headers);
      res.end(frame);
      return status;
    };
    // The key is checked before anything is recorded: a client without it cannot fill the replay
    // memory, retire the key early for everyone, or learn whether a request was seen.
    if (!apiKeyMatches(opts.apiKey, opened.plaintext.apiKey)) return sealedError(401, 'E_UNAUTHORIZED', 'The API key is not valid for this gateway.');
    const seen = opts.keys.remember(found.key, toHex(opened.requestId));
    if (seen === 'replay') {
      plainError(res, 400, 'E_CHANNEL', 'This sealed request was already received (replay).');
      return 400;
    }
    if (seen === 'full') {
      plainError(res, 410, 'E_KEY_EXPIRED', 'The channel key has served its quota of requests; attest again.');
      return 410;
    }
    const request = opened.plaintext.request;
    if (!validBody(request)) return sealedError(400, 'E_BAD_REQUEST', 'The chat request is malformed.');

    const ac = new AbortController();
    inflight.add(ac);
    const onClose = () => {
      if (!res.writableFinished) ac.abort();
    };
    res.on('close', onClose);
    try {
      let events: AsyncIterable<UpstreamEvent>;
      try {
        events = await opts.upstream.chat(request, ac.signal);
      } catch (e) {
        if (ac.signal.aborted) return 499;
        if (e instanceof UpstreamError) {
          if (e.status === 429) return sealedError(429, 'E_RATE_LIMITED', 'The language model is busy; try again later.', e.retryAfter ?? 1);
          return sealedError(502, 'E_UPSTREAM', e.status === 401 || e.status === 403 ? 'The gateway could not authenticate to its language model.' : e.message);
        }
        return sealedError(502, 'E_UPSTREAM', 'The language model failed.');
      }
      res.writeHead(200, { 'content-type': STREAM_CONTENT_TYPE, 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
      res.flushHeaders();
      const write = async (frame: Uint8Array) => {
        if (!res.write(frame)) await new Promise<void>((r) => res.once('drain', r));
      };
      try {
        for await (const ev of events) {
          if (ac.signal.aborted) break;
          if (ev.reasoning !== undefined || ev.content !== undefined) {
            const d: { r?: string; c?: string } = {};
            if (ev.reasoning !== undefined) d.r = ev.reasoning;
            if (ev.content !== undefined) d.c = ev.content;
            await write(await sealer.sealJson(FRAME_DATA, d));
          }
          if (ev.finishReason !== undefined) {
            await write(await sealer.sealJson(FRAME_END, ev.usage ? { finish_reason: ev.finishReason, usage: ev.usage } : { finish_reason: ev.finishReason }));
            break;
          }
        }
        // An upstream that ends without its final event did not finish: say so, sealed, never END.
        if (!sealer.closed && !ac.signal.aborted) await write(await sealer.sealJson(FRAME_ERROR, { code: 'E_UPSTREAM', message: 'The language model stopped before the end of its answer.' }));
      } catch {
        if (!ac.signal.aborted && !sealer.closed) await write(await sealer.sealJson(FRAME_ERROR, { code: 'E_UPSTREAM', message: 'The language model failed mid-answer.' }));
      }
      res.end();
      return 200;
    } finally {
      inflight.delete(ac);
      res.off('close', onClose);
    }
  }

  const server = createServer((req, res) => {
    const t0 = performance.now();
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    cors(req, res);
    const done = (status: number) => log(`${req.method} ${url.pathname} ${status} ${Math.round(performance.now() - t0)}ms`);
    const route = async (): Promise<number> => {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, {
          'access-control-allow-methods': 'GET, POST, OPTIONS',
          'access-control-allow-headers': 'content-type, accept',
          'access-control-max-age': '600',
        });
        res.end();
        return 204;
      }
      if (url.pathname === '/v1/attestation') {
        if (req.method !== 'GET') return (plainError(res, 405, 'E_BAD_REQUEST', 'Use GET.', { allow: 'GET' }), 405);
        return attestation(req, res, url);
      }
      if (url.pathname === '/v1/chat/completions') {
        if (req.method !== 'POST') return (plainError(res, 405, 'E_BAD_REQUEST', 'Use POST.', { allow: 'POST' }), 405);
        return chat(req, res);
      }
      if (url.pathname === '/healthz' && req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true, simulated: opts.evidence.simulated, upstream: opts.upstream.describe }));
        return 200;
      }
      plainError(res, 404, 'E_NOT_FOUND', 'No such endpoint.');
      return 404;
    };
    route().then(done, (e) => {
      log(`internal error on ${url.pathname}: ${(e as Error)?.message}`);
      plainError(res, 500, 'E_INTERNAL', 'Internal error.');
      done(500);
    });
  });
  server.requestTimeout = 0; // answers stream for minutes
  server.headersTimeout = 30_000;
  server.on('close', () => {
    for (const ac of inflight) ac.abort();
  });
  return server;
}
