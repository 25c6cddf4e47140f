/**
 * The gateway's channel keys: X-Wing key pairs handed out in bundles for the first three quarters
 * of their `lifetimeMs` (so a client always gets time to use one), accepted until `lifetimeMs`, and for
 * `graceMs` after that (requests sealed just before a rotation), then forgotten — a request naming
 * a forgotten or unknown key gets E_KEY_EXPIRED and the client re-attests.
 *
 * Replay rule: every accepted request's id (SHA-256 of its `enc`) is remembered for as long as
 * its key is accepted; the same id again is refused. When a key's memory is full the key is
 * retired early (the next attestation gets a new one) so memory stays bounded.
 */
import { channelSuite } from '../src/core/channel/suite.ts';
import { sha256, toBase64Url } from '../src/core/bytes.ts';

export interface GatewayKey {
  keyId: string;
  keyPair: CryptoKeyPair;
  publicKey: Uint8Array;
  createdAt: number;
  /** Not handed out in bundles after this; accepted until notAfter + grace. */
  notAfter: number;
  seen: Set<string>;
}

export type Lookup = { ok: true; key: GatewayKey } | { ok: false; reason: 'unknown' | 'expired' };

export class KeyManager {
  private readonly keys = new Map<string, GatewayKey>();
  private currentKey: GatewayKey | undefined;
  private pending: Promise<GatewayKey> | undefined;

  constructor(
    private readonly opts: { lifetimeMs: number; graceMs: number; maxRequestsPerKey: number; now?: () => number },
  ) {}

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** The key to put in new bundles; rotates when the current one is past its lifetime or full. */
  async current(): Promise<GatewayKey> {
    const now = this.now();
    const k = this.currentKey;
    // Never hand out a key in the last quarter of its life (at most 60 s): a client must get time to use it.
    const margin = Math.min(this.opts.lifetimeMs / 4, 60_000);
    if (k && now < k.notAfter - margin && k.seen.size < this.opts.maxRequestsPerKey) return k;
    this.pending ??= this.rotate().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async rotate(): Promise<GatewayKey> {
    const suite = channelSuite();
    const keyPair = await suite.kem.generateKeyPair();
    const publicKey = new Uint8Array(await suite.kem.serializePublicKey(keyPair.publicKey));
    const keyId = 'k' + toBase64Url((await sha256(publicKey)).subarray(0, 16));
    const createdAt = this.now();
    // Whole seconds: bundle version 2 binds expiresAt in seconds (src/core/attest/binding.ts).
    const key: GatewayKey = { keyId, keyPair, publicKey, createdAt, notAfter: Math.floor((createdAt + this.opts.lifetimeMs) / 1000) * 1000, seen: new Set() };
    if (this.currentKey && this.currentKey.notAfter > createdAt) this.currentKey.notAfter = createdAt; // retired early (full)
    this.keys.set(keyId, key);
    this.currentKey = key;
    this.purge();
    return key;
  }

  purge(): void {
    const now = this.now();
    for (const [id, k] of this.keys) if (now >= k.notAfter + this.opts.graceMs) this.keys.delete(id);
  }

  lookup(keyId: string): Lookup {
    const k = this.keys.get(keyId);
    if (!k) return { ok: false, reason: 'unknown' };
    if (this.now() >= k.notAfter + this.opts.graceMs) {
      this.keys.delete(keyId);
      return { ok: false, reason: 'expired' };
    }
    return { ok: true, key: k };
  }

  /** Records a request id; false when it was seen before (a replay) or the key's memory is full. */
  remember(key: GatewayKey, requestId: string): 'fresh' | 'replay' | 'full' {
    if (key.seen.has(requestId)) return 'replay';
    if (key.seen.size >= this.opts.maxRequestsPerKey) return 'full';
    key.seen.add(requestId);
    return 'fresh';
  }
}
