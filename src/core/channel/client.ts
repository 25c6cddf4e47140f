/**
 * The client of the sealed channel. Nothing here can send page text anywhere but to a key that
 * a passing attestation verdict bound: `openSealedChat` takes only a `VerifiedChannel`, and the
 * only way to get one is `channelFromVerdict`, which refuses a failing verdict and re-checks that
 * the report it verified carries this key and this client's nonce. A `VerifiedChannel` forged by
 * a type cast is refused at run time (the module keeps the set of channels it issued).
 */
import { ConfidantError, type ErrorCode } from '../errors.ts';
import { expectedReportDataFor, parseBundle, type EvidenceBundle } from '../attest/bundle.ts';
import { OFFSET, REPORT_DATA_SIZE } from '../attest/sevsnp/abi.ts';
import type { Check } from '../attest/types.ts';
import { bytesEqual, fromUtf8, randomBytes, toBase64Url, toHex } from '../bytes.ts';
import { FrameOpener, type OpenedFrame } from './frames.ts';
import { prepareSeal, sealRequest, type ChatRequestBody, type PreparedSeal } from './request.ts';
import type { ChatDelta, ChatUsage } from './openai.ts';
import { FRAME_DATA, FRAME_END, REQUEST_CONTENT_TYPE, STREAM_CONTENT_TYPE } from './suite.ts';

export type { ChatMessage, ChatRequestBody } from './request.ts';
export type { ChatDelta, ChatUsage } from './openai.ts';

/** The part of verifyEvidence's verdict the channel relies on. */
export interface VerdictLike {
  ok: boolean;
  checks: readonly Check[];
}

declare const verifiedBrand: unique symbol;

export interface VerifiedChannel {
  readonly [verifiedBrand]: true;
  readonly provider: 'confidant';
  /** Base URL of the gateway, no trailing slash. */
  readonly gatewayUrl: string;
  readonly keyId: string;
  readonly publicKey: Uint8Array;
  readonly expiresAt: Date;
  readonly model: string;
  readonly simulated: boolean;
}

const issued = new WeakSet<object>();

function normaliseUrl(u: string): string {
  const url = new URL(u);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfidantError('E_BAD_REQUEST', `Gateway URL must be http(s): ${u}`);
  return url.href.replace(/\/+$/, '');
}

/**
 * Turns a passing verdict for `bundle` into a channel. Refuses `ok: false` or any failed check,
 * a bundle that echoes another nonce, and a report whose REPORT_DATA does not bind this key
 * (binding.ts), so a verdict about one bundle cannot open a channel to another key.
 */
export async function channelFromVerdict(
  verdict: VerdictLike,
  bundle: EvidenceBundle,
  opts: { gatewayUrl: string; nonce: Uint8Array; /** Use the channel until at most this time, whatever the bundle says. */ notAfter?: Date },
): Promise<VerifiedChannel> {
  if (!verdict || verdict.ok !== true) {
    const failed = (verdict?.checks ?? []).filter((c) => !c.passed).map((c) => c.id);
    throw new ConfidantError('E_NOT_ATTESTED', 'The gateway did not pass attestation; nothing will be sent to it.', { failed });
  }
  const failed = verdict.checks.filter((c) => !c.passed);
  if (failed.length) {
    throw new ConfidantError('E_NOT_ATTESTED', 'The verdict says ok but lists failed checks.', { failed: failed.map((c) => c.id) });
  }
  if (!bytesEqual(bundle.nonce, opts.nonce)) {
    throw new ConfidantError('E_NOT_ATTESTED', 'The bundle answers another nonce.', { got: toHex(bundle.nonce), want: toHex(opts.nonce) });
  }
  const want = await expectedReportDataFor(bundle, opts.nonce);
  const got = bundle.snpReport.subarray(OFFSET.REPORT_DATA, OFFSET.REPORT_DATA + REPORT_DATA_SIZE);
  if (!bytesEqual(got, want)) {
    throw new ConfidantError('E_NOT_ATTESTED', 'REPORT_DATA does not bind this channel key and nonce.', { field: 'REPORT_DATA', got: toHex(got), want: toHex(want) });
  }
  const expiresAt = Math.min(bundle.expiresAt.getTime(), opts.notAfter?.getTime() ?? Infinity);
  const channel = Object.freeze({
    provider: 'confidant' as const,
    gatewayUrl: normaliseUrl(opts.gatewayUrl),
    keyId: bundle.keyId,
    publicKey: bundle.publicKey.slice(),
    expiresAt: new Date(expiresAt),
    model: bundle.json.model,
    simulated: bundle.json.simulated,
  }) as unknown as VerifiedChannel;
  issued.add(channel);
  prepareNextSeal(channel);
  return channel;
}

/**
 * One seal prepared ahead per channel, used once: the X-Wing encapsulation (~4 ms of JS) is done
 * while the person reads or types, not between their question and its sending. The next one is
 * prepared when an answer ends (a request that fails earlier makes its own when it is sent).
 */
const nextSeal = new WeakMap<VerifiedChannel, Promise<PreparedSeal>>();

function prepareNextSeal(channel: VerifiedChannel): void {
  const p = prepareSeal({ publicKey: channel.publicKey, keyId: channel.keyId });
  p.catch(() => {}); // an error shows when it is taken, and a fresh one is made then
  nextSeal.set(channel, p);
}

async function takeSeal(channel: VerifiedChannel): Promise<PreparedSeal> {
  const p = nextSeal.get(channel);
  nextSeal.delete(channel);
  const fresh = () => prepareSeal({ publicKey: channel.publicKey, keyId: channel.keyId });
  return p ? p.catch(fresh) : fresh();
}

export function isVerifiedChannel(x: unknown): x is VerifiedChannel {
  return typeof x === 'object' && x !== null && issued.has(x);
}

export interface FetchOptions {
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

/**
 * GET /v1/attestation with a fresh nonce (or the given one); returns the parsed bundle. Says which
 * trouble it was: E_NETWORK (nothing answered), E_TIMEOUT (the signal's timeout), E_NOT_A_GATEWAY
 * (something answered, but not with a Confidant bundle), E_PARSE (a bundle with a bad field).
 */
export async function fetchBundle(gatewayUrl: string, nonce: Uint8Array, opts: FetchOptions = {}): Promise<EvidenceBundle> {
  const f = opts.fetch ?? fetch;
  const url = `${normaliseUrl(gatewayUrl)}/v1/attestation?nonce=${toBase64Url(nonce)}`;
  const res = await doFetch(f, url, { method: 'GET', headers: { accept: 'application/json' }, signal: opts.signal });
  if (res.status === 404 || res.status === 405) {
    throw new ConfidantError('E_NOT_A_GATEWAY', `${new URL(url).origin} answered HTTP ${res.status} for /v1/attestation: it is not a Confidant gateway.`, { status: res.status });
  }
  if (!res.ok) throw await errorFromResponse(res);
  let json: unknown;
  try {
    json = await res.json();
  } catch (e) {
    throw abortOr(e, opts.signal, new ConfidantError('E_NOT_A_GATEWAY', `${new URL(url).origin} did not answer with an attestation bundle (not JSON): it is not a Confidant gateway.`));
  }
  if (typeof json !== 'object' || json === null || !('channel' in json) || !('snp' in json)) {
    throw new ConfidantError('E_NOT_A_GATEWAY', `${new URL(url).origin} answered JSON that is not an attestation bundle: it is not a Confidant gateway.`);
  }
  return parseBundle(json);
}

/**
 * Attests the gateway: fresh nonce, fetch the bundle, run `verify` (verifyEvidence with a policy),
 * and return a channel only if it passed. `verify` gets the nonce it must hold the bundle to.
 */
export async function attestGateway<V extends VerdictLike>(args: {
  gatewayUrl: string;
  verify: (bundle: EvidenceBundle, nonce: Uint8Array) => Promise<V>;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}): Promise<{ channel: VerifiedChannel; verdict: V; bundle: EvidenceBundle }> {
  const nonce = randomBytes(32);
  const bundle = await fetchBundle(args.gatewayUrl, nonce, args);
  const verdict = await args.verify(bundle, nonce);
  const channel = await channelFromVerdict(verdict, bundle, { gatewayUrl: args.gatewayUrl, nonce });
  return { channel, verdict, bundle };
}

export interface SealedChatOptions extends FetchOptions {
  /** The gateway's API key; travels only inside the sealed body. */
  apiKey?: string | null;
  /** Clock for the key-expiry check (tests). */
  now?: () => Date;
}

function abortOr(e: unknown, signal: AbortSignal | undefined, fallback: ConfidantError): ConfidantError {
  if (e instanceof ConfidantError) return e;
  const name = (e as { name?: string })?.name;
  const reason = (signal?.reason as { name?: string } | undefined)?.name;
  if (name === 'TimeoutError' || reason === 'TimeoutError') return new ConfidantError('E_TIMEOUT', 'The gateway did not answer in time.');
  if (signal?.aborted || name === 'AbortError') return new ConfidantError('E_ABORTED', 'The operation was stopped.');
  return fallback;
}

async function doFetch(f: typeof fetch, url: string, init: RequestInit): Promise<Response> {
  try {
    return await f(url, init);
  } catch (e) {
    throw abortOr(e, init.signal ?? undefined, new ConfidantError('E_NETWORK', `Could not reach the gateway: ${(e as Error)?.message ?? e}`));
  }
}

/** Retry-After: delta-seconds or an HTTP-date; returns whole seconds, or undefined. */
export function parseRetryAfter(v: string | null, now = Date.now()): number | undefined {
  if (!v) return undefined;
  if (/^\s*\d+\s*$/.test(v)) return parseInt(v, 10);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, Math.ceil((t - now) / 1000));
}

/** Codes an unauthenticated (plain JSON) gateway error may assert; anything else maps by status. */
const PLAIN_CODES: ReadonlySet<ErrorCode> = new Set(['E_KEY_EXPIRED', 'E_CHANNEL', 'E_BAD_REQUEST', 'E_RATE_LIMITED']);
/** Codes a sealed ERROR frame may carry. */
const SEALED_CODES: ReadonlySet<ErrorCode> = new Set([
  'E_UNAUTHORIZED',
  'E_RATE_LIMITED',
  'E_UPSTREAM',
  'E_BAD_REQUEST',
  'E_TIMEOUT',
  'E_INTERNAL',
  'E_KEY_EXPIRED',
]);

function codeForStatus(status: number): ErrorCode {
  if (status === 401 || status === 403) return 'E_UNAUTHORIZED';
  if (status === 429) return 'E_RATE_LIMITED';
  if (status === 410) return 'E_KEY_EXPIRED';
  if (status === 400 || status === 413 || status === 415) return 'E_BAD_REQUEST';
  return 'E_UPSTREAM';
}

/** What an unauthenticated error says: fixed words per code, never text from the network. */
const PLAIN_MESSAGES: Partial<Record<ErrorCode, string>> = {
  E_UNAUTHORIZED: 'The gateway refused the request (HTTP {status}): check the API key.',
  E_RATE_LIMITED: 'The gateway is busy (HTTP {status}); try again shortly.',
  E_KEY_EXPIRED: 'The gateway no longer accepts this channel key (HTTP {status}); attesting again.',
  E_BAD_REQUEST: 'The gateway refused the request as malformed (HTTP {status}).',
  E_CHANNEL: 'The gateway could not open the sealed request (HTTP {status}).',
  E_UPSTREAM: 'The gateway answered HTTP {status}.',
};

/**
 * Maps a non-sealed error response (before the gateway opened the request, or from a proxy in
 * front). Nothing in it is authenticated: the code may come from the body (only the few a client
 * acts on), but the message is always our own words, so a network attacker cannot put text in the UI.
 */
async function errorFromResponse(res: Response): Promise<ConfidantError> {
  const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
  let code = codeForStatus(res.status);
  try {
    const body = (await res.json()) as { error?: { code?: string } };
    const c = body?.error?.code as ErrorCode | undefined;
    if (c && PLAIN_CODES.has(c)) code = c;
  } catch {
    // not JSON: the status decides
  }
  const message = (PLAIN_MESSAGES[code] ?? PLAIN_MESSAGES.E_UPSTREAM!).replace('{status}', String(res.status));
  const detail: Record<string, unknown> = { status: res.status, authenticated: false };
  if (retryAfter !== undefined) detail.retryAfter = retryAfter;
  return new ConfidantError(code, message, detail);
}

function errorFromFrame(frame: OpenedFrame, status: number, headerRetryAfter: number | undefined): ConfidantError {
  let data: unknown;
  try {
    data = JSON.parse(fromUtf8(frame.payload));
  } catch {
    return new ConfidantError('E_CHANNEL', 'The sealed error frame is not JSON.', { reason: 'payload' });
  }
  const d = data as { code?: unknown; message?: unknown; retryAfter?: unknown };
  const code = typeof d.code === 'string' && SEALED_CODES.has(d.code as ErrorCode) ? (d.code as ErrorCode) : codeForStatus(status);
  const detail: Record<string, unknown> = { status, authenticated: true };
  const ra = typeof d.retryAfter === 'number' ? d.retryAfter : headerRetryAfter;
  if (ra !== undefined) detail.retryAfter = ra;
  const message = typeof d.message === 'string' ? d.message.slice(0, 300) : `The gateway answered HTTP ${status}.`;
  return new ConfidantError(code, message, detail);
}

function deltaFromData(frame: OpenedFrame): ChatDelta {
  let v: unknown;
  try {
    v = JSON.parse(fromUtf8(frame.payload));
  } catch {
    throw new ConfidantError('E_CHANNEL', 'A sealed data frame is not JSON.', { reason: 'payload' });
  }
  const o = v as { r?: unknown; c?: unknown };
  const out: ChatDelta = {};
  if (typeof o.r === 'string') out.reasoning = o.r;
  if (typeof o.c === 'string') out.content = o.c;
  return out;
}

function deltaFromEnd(frame: OpenedFrame): ChatDelta {
  let v: unknown;
  try {
    v = JSON.parse(fromUtf8(frame.payload));
  } catch {
    throw new ConfidantError('E_CHANNEL', 'The sealed end frame is not JSON.', { reason: 'payload' });
  }
  const o = v as { finish_reason?: unknown; usage?: unknown };
  const out: ChatDelta = { finishReason: typeof o.finish_reason === 'string' ? o.finish_reason : null };
  if (o.usage && typeof o.usage === 'object') out.usage = o.usage as ChatUsage;
  return out;
}

/**
 * Seals `request` to the attested gateway key and streams the answer. Errors are ConfidantErrors:
 * E_UNAUTHORIZED (401), E_RATE_LIMITED (429, detail.retryAfter seconds), E_UPSTREAM (5xx),
 * E_NETWORK, E_KEY_EXPIRED (re-attest), E_CHANNEL (tamper, truncation, reorder, replay), E_ABORTED.
 */
export async function* openSealedChat(
  channel: VerifiedChannel,
  request: ChatRequestBody,
  opts: SealedChatOptions = {},
): AsyncGenerator<ChatDelta, void, undefined> {
  if (!isVerifiedChannel(channel)) {
    throw new ConfidantError('E_NOT_ATTESTED', 'Refusing to send: this channel did not come from a passing attestation verdict.');
  }
  const now = opts.now?.() ?? new Date();
  if (now.getTime() >= channel.expiresAt.getTime()) {
    throw new ConfidantError('E_KEY_EXPIRED', 'The gateway key has expired; attest again.', { keyId: channel.keyId });
  }
  // Copy the caller's request before the first await, so nothing can change what gets sealed.
  const plaintext = { v: 1 as const, apiKey: opts.apiKey ?? null, request: structuredClone(request) };
  const signal = opts.signal;
  if (signal?.aborted) throw new ConfidantError('E_ABORTED', 'The operation was stopped.');
  const { body, streamKeys } = await sealRequest({ publicKey: channel.publicKey, keyId: channel.keyId, plaintext, prepared: await takeSeal(channel) });
  const res = await doFetch(opts.fetch ?? fetch, `${channel.gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': REQUEST_CONTENT_TYPE, accept: STREAM_CONTENT_TYPE },
    body: body as BodyInit,
    signal,
  });
  const sealed = (res.headers.get('content-type') ?? '').split(';')[0]!.trim() === STREAM_CONTENT_TYPE;
  if (!sealed) {
    if (res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new ConfidantError('E_CHANNEL', 'The gateway answered without a sealed stream.', { reason: 'content-type' });
    }
    throw await errorFromResponse(res);
  }
  if (!res.body) throw new ConfidantError('E_CHANNEL', 'The sealed stream has no body.', { reason: 'truncated' });
  const headerRetryAfter = parseRetryAfter(res.headers.get('retry-after'));
  const opener = new FrameOpener(streamKeys);
  const reader = res.body.getReader();
  const onAbort = () => void reader.cancel().catch(() => {});
  signal?.addEventListener('abort', onAbort, { once: true });
  let done = false;
  try {
    while (true) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw abortOr(e, signal, new ConfidantError('E_NETWORK', 'The connection to the gateway broke mid-answer.'));
      }
      if (signal?.aborted) throw new ConfidantError('E_ABORTED', 'The operation was stopped.');
      if (chunk.done) break;
      for (const frame of await opener.push(chunk.value)) {
        if (frame.type === FRAME_DATA) {
          if (!res.ok) throw new ConfidantError('E_CHANNEL', 'Data frame in an error response.', { reason: 'frame-type' });
          yield deltaFromData(frame);
        } else if (frame.type === FRAME_END) {
          if (!res.ok) throw new ConfidantError('E_CHANNEL', 'End frame in an error response.', { reason: 'frame-type' });
          yield deltaFromEnd(frame);
        } else {
          throw errorFromFrame(frame, res.status, headerRetryAfter);
        }
      }
    }
    if (signal?.aborted) throw new ConfidantError('E_ABORTED', 'The operation was stopped.');
    opener.finish();
    done = true;
  } finally {
    // The next request's seal, made once this answer is over, not while its first bytes arrive.
    prepareNextSeal(channel);
    signal?.removeEventListener('abort', onAbort);
    if (!done) await reader.cancel().catch(() => {});
    try {
      reader.releaseLock();
    } catch {
      // a read was still pending; the cancel above ends it
    }
  }
}
