/**
 * The sealed request (docs/protocol.md, "Request").
 *
 *   body   = version (u8 = 1) || keyIdLen (u8) || keyId (ASCII) || encLen (u16be) || enc || ct
 *   header = every byte of body before ct
 *   ct     = HPKE.Seal(pkR, info = "confidant/channel/v1" || 0x00 || keyId, aad = header, plaintext)
 *   requestId = SHA-256(enc)
 *
 * The plaintext is UTF-8 JSON: { "v": 1, "apiKey": string | null, "request": ChatRequestBody }.
 */
import type { RecipientContext, SenderContext } from '@hpke/core';
import { ConfidantError } from '../errors.ts';
import { bytesEqual, concatBytes, sha256, u16be, utf8 } from '../bytes.ts';
import { importStreamKeys, type StreamKeys } from './frames.ts';
import { channelSuite, ENC_BYTES, EXPORT_KEY_LABEL, EXPORT_NONCE_LABEL, hpkeInfo, KEY_ID_PATTERN, REQUEST_VERSION } from './suite.ts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The OpenAI-style body the client may set; the gateway chooses the model and forces streaming. */
export interface ChatRequestBody {
  messages: ChatMessage[];
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  reasoning_effort?: 'low' | 'medium' | 'high';
}

export interface SealedPlaintext {
  v: 1;
  apiKey: string | null;
  request: ChatRequestBody;
}

export interface ParsedEnvelope {
  keyId: string;
  enc: Uint8Array;
  header: Uint8Array;
  ciphertext: Uint8Array;
}

function bad(reason: string, message: string): ConfidantError {
  return new ConfidantError('E_CHANNEL', message, { reason });
}

export function parseEnvelope(body: Uint8Array): ParsedEnvelope {
  if (body.length < 4) throw bad('envelope', 'The sealed request is too short.');
  if (body[0] !== REQUEST_VERSION) throw bad('version', `Sealed request version ${body[0]} is not supported.`);
  const kl = body[1]!;
  const keyEnd = 2 + kl;
  if (body.length < keyEnd + 2) throw bad('envelope', 'The sealed request is too short.');
  const keyId = new TextDecoder().decode(body.subarray(2, keyEnd));
  if (!KEY_ID_PATTERN.test(keyId)) throw bad('key-id', 'The sealed request names a malformed key id.');
  const encLen = (body[keyEnd]! << 8) | body[keyEnd + 1]!;
  if (encLen !== ENC_BYTES) throw bad('enc', `enc must be ${ENC_BYTES} bytes, got ${encLen}.`);
  const encEnd = keyEnd + 2 + encLen;
  if (body.length < encEnd + 16) throw bad('envelope', 'The sealed request is too short.');
  return {
    keyId,
    enc: body.slice(keyEnd + 2, encEnd),
    header: body.slice(0, encEnd),
    ciphertext: body.subarray(encEnd),
  };
}

async function streamKeysFrom(ctx: RecipientContext | SenderContext, enc: Uint8Array): Promise<StreamKeys> {
  const key = new Uint8Array(await ctx.export(utf8(EXPORT_KEY_LABEL), 32));
  const nonce = new Uint8Array(await ctx.export(utf8(EXPORT_NONCE_LABEL), 12));
  return importStreamKeys(key, nonce, await sha256(enc));
}

/**
 * The part of sealing that does not depend on the request: the X-Wing encapsulation (most of the
 * cost, ~4 ms in JS) and the HPKE key schedule. A client may prepare one ahead of time (while the
 * person types) and seal with it once; each is used for exactly one request.
 */
export interface PreparedSeal {
  readonly keyId: string;
  readonly publicKey: Uint8Array;
  readonly header: Uint8Array;
  readonly enc: Uint8Array;
  readonly sender: SenderContext;
}

export async function prepareSeal(args: { publicKey: Uint8Array; keyId: string }): Promise<PreparedSeal> {
  if (!KEY_ID_PATTERN.test(args.keyId)) throw new ConfidantError('E_BAD_REQUEST', 'The key id is malformed.');
  const suite = channelSuite();
  const pk = await suite.kem.deserializePublicKey(args.publicKey as BufferSource);
  const sender = await suite.createSenderContext({ recipientPublicKey: pk, info: hpkeInfo(args.keyId) });
  const enc = new Uint8Array(sender.enc);
  const keyIdBytes = utf8(args.keyId);
  const header = concatBytes([new Uint8Array([REQUEST_VERSION, keyIdBytes.length]), keyIdBytes, u16be(enc.length), enc]);
  return { keyId: args.keyId, publicKey: args.publicKey, header, enc, sender };
}

/** Client side: seals the plaintext to the gateway key; returns the body and the keys that open the reply. */
export async function sealRequest(args: {
  publicKey: Uint8Array;
  keyId: string;
  plaintext: SealedPlaintext;
  /** Made by prepareSeal for this key, and never used before. */
  prepared?: PreparedSeal;
}): Promise<{ body: Uint8Array; requestId: Uint8Array; streamKeys: StreamKeys }> {
  const p = args.prepared ?? (await prepareSeal(args));
  if (p.keyId !== args.keyId || !bytesEqual(p.publicKey, args.publicKey)) throw new ConfidantError('E_INTERNAL', 'A seal prepared for another key was offered.');
  const ct = new Uint8Array(await p.sender.seal(utf8(JSON.stringify(args.plaintext)), p.header));
  const streamKeys = await streamKeysFrom(p.sender, p.enc);
  return { body: concatBytes([p.header, ct]), requestId: streamKeys.requestId, streamKeys };
}

/** Gateway side: opens a parsed envelope with the key pair its key id names. */
export async function openRequest(
  envelope: ParsedEnvelope,
  recipientKey: CryptoKeyPair,
): Promise<{ plaintext: SealedPlaintext; requestId: Uint8Array; streamKeys: StreamKeys }> {
  const suite = channelSuite();
  let ctx: RecipientContext;
  let pt: ArrayBuffer;
  try {
    ctx = await suite.createRecipientContext({ recipientKey, enc: envelope.enc, info: hpkeInfo(envelope.keyId) });
    pt = await ctx.open(envelope.ciphertext, envelope.header);
  } catch {
    throw bad('open', 'The sealed request did not open.');
  }
  let plaintext: SealedPlaintext;
  try {
    plaintext = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(pt)) as SealedPlaintext;
  } catch {
    throw new ConfidantError('E_BAD_REQUEST', 'The sealed request is not JSON.');
  }
  if (
    typeof plaintext !== 'object' ||
    plaintext === null ||
    plaintext.v !== 1 ||
    !(plaintext.apiKey === null || typeof plaintext.apiKey === 'string') ||
    typeof plaintext.request !== 'object' ||
    plaintext.request === null ||
    !Array.isArray(plaintext.request.messages)
  ) {
    throw new ConfidantError('E_BAD_REQUEST', 'The sealed request does not have the expected shape.');
  }
  const streamKeys = await streamKeysFrom(ctx, envelope.enc);
  return { plaintext, requestId: streamKeys.requestId, streamKeys };
}
