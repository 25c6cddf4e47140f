import { describe, expect, it } from 'vitest';
import { ParseError } from '../../../../src/core/errors.ts';
import type { Check } from '../../../../src/core/attest/types.ts';
import { NRAS_INTERMEDIATE_004_SHA256, checkNrasClaims, parseNrasToken, verifyNrasSignatures } from '../../../../src/core/attest/nvidia/index.ts';
import { NRAS_ISSUER, type NrasExpectations } from '../../../../src/core/attest/nvidia/nras.ts';
import { HAS_AGPL_VECTORS, OTHER_JWKS, agplNras, nvtrustNras } from './h100.ts';

const failed = (checks: Check[]) => checks.filter((c) => !c.passed).map((c) => c.id);
const at = (s: number) => new Date(s * 1000);
const pins = { intermediateSha256: [NRAS_INTERMEDIATE_004_SHA256] };
const expectAgpl = (over: Partial<NrasExpectations> = {}): NrasExpectations => ({
  now: at(agplNras.iat),
  clockSkewSeconds: 60,
  issuer: NRAS_ISSUER,
  nonceHex: agplNras.nonce,
  ueid: agplNras.ueid,
  driverVersion: agplNras.driver,
  vbiosVersion: agplNras.vbios,
  ...over,
});

const b64u = (s: string) => Buffer.from(s).toString('base64url');

/** Re-encodes one token's payload without re-signing (so its signature must then fail). */
function withPayload(compact: string, change: (p: Record<string, unknown>) => void): string {
  const [h, p, s] = compact.split('.') as [string, string, string];
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  change(payload);
  return `${h}.${b64u(JSON.stringify(payload))}.${s}`;
}

describe.skipIf(!HAS_AGPL_VECTORS)('the agpl-origin NRAS result with its JWKS excerpt (test input only; not committed, see tests/helpers/vectors.ts)', () => {
  it('every signature and claim check passes at its iat', async () => {
    const eat = parseNrasToken(agplNras.token());
    expect(eat.detached).toBe(true);
    expect(eat.devices.map((d) => d.name)).toEqual(['GPU-0']);
    const sigs = await verifyNrasSignatures(eat, agplNras.jwks(), { now: at(agplNras.iat), ...pins });
    expect(failed(sigs)).toEqual([]);
    expect(sigs.map((c) => c.id)).toEqual(['gpu.nras.key', 'gpu.nras.chain', 'gpu.nras.signature', 'gpu.nras.GPU-0.signature']);
    const claims = await checkNrasClaims(eat, expectAgpl());
    expect(failed(claims)).toEqual([]);
    expect(claims.map((c) => c.id)).toEqual([
      'gpu.nras.issuer',
      'gpu.nras.time',
      'gpu.nras.nonce',
      'gpu.nras.result',
      'gpu.nras.submods',
      'gpu.nras.device',
      'gpu.nras.GPU-0.measres',
      'gpu.nras.GPU-0.dbgstat',
      'gpu.nras.GPU-0.secboot',
      'gpu.nras.GPU-0.nonce-match',
      'gpu.nras.GPU-0.driver',
      'gpu.nras.GPU-0.vbios',
    ]);
  });

  it.each([
    ['an hour and two minutes later (expired)', agplNras.iat + 3600 + 120, ['gpu.nras.time']],
    ['two minutes before issue', agplNras.iat - 120, ['gpu.nras.time']],
  ])('claims %s', async (_, t, want) => {
    const checks = await checkNrasClaims(parseNrasToken(agplNras.token()), expectAgpl({ now: at(t) }));
    expect(failed(checks)).toEqual(want);
  });

  it('its signing certificate has expired three days later', async () => {
    const checks = await verifyNrasSignatures(parseNrasToken(agplNras.token()), agplNras.jwks(), { now: at(agplNras.iat + 3 * 86400), ...pins });
    expect(failed(checks)).toEqual(['gpu.nras.chain', 'gpu.nras.signature', 'gpu.nras.GPU-0.signature']);
    expect(checks[1]!.detail).toMatch(/x5c\[0\] \(NVIDIA Attestation Service GPU GH100\) is valid .* not at/);
  });

  it('a different pinned intermediate rejects the key', async () => {
    const checks = await verifyNrasSignatures(parseNrasToken(agplNras.token()), agplNras.jwks(), { now: at(agplNras.iat), intermediateSha256: ['00'.repeat(32)] });
    expect(failed(checks)).toEqual(['gpu.nras.chain', 'gpu.nras.signature', 'gpu.nras.GPU-0.signature']);
    expect(checks[1]!.detail).toContain(`got SHA-256 ${NRAS_INTERMEDIATE_004_SHA256}`);
  });

  it('a JWK whose x/y differ from its certificate is rejected', async () => {
    const jwks = agplNras.jwks() as { keys: Record<string, unknown>[] };
    const y = Buffer.from(jwks.keys[0]!.y as string, 'base64url');
    y[0]! ^= 1;
    jwks.keys[0]!.y = y.toString('base64url');
    const checks = await verifyNrasSignatures(parseNrasToken(agplNras.token()), jwks, { now: at(agplNras.iat), ...pins });
    expect(failed(checks)).toContain('gpu.nras.key');
    expect(checks[0]!.detail).toContain('the JWK x/y differ from the key in x5c[0]');
  });

  it.each([
    ['the wrong nonce', { nonceHex: '00'.repeat(32) }, ['gpu.nras.nonce']],
    ['no expected nonce', { nonceHex: null }, ['gpu.nras.nonce']],
    ['another GPU', { ueid: '1' }, ['gpu.nras.device', 'gpu.nras.device.measres', 'gpu.nras.device.dbgstat', 'gpu.nras.device.secboot', 'gpu.nras.device.nonce-match', 'gpu.nras.device.driver', 'gpu.nras.device.vbios']],
    ['another driver', { driverVersion: '595.71.06' }, ['gpu.nras.GPU-0.driver']],
    ['another VBIOS', { vbiosVersion: '96.00.9F.00.05' }, ['gpu.nras.GPU-0.vbios']],
    ['another issuer', { issuer: 'https://example.invalid' }, ['gpu.nras.issuer']],
  ] as const)('claims with %s fail', async (_, over, want) => {
    const checks = await checkNrasClaims(parseNrasToken(agplNras.token()), expectAgpl(over as Partial<NrasExpectations>));
    expect(failed(checks)).toEqual(want);
    const nonce = checks.find((c) => c.id === 'gpu.nras.nonce')!;
    if (want[0] === 'gpu.nras.nonce' && (over as Partial<NrasExpectations>).nonceHex) expect(nonce.detail).toBe(`overall eat_nonce: got ${agplNras.nonce}, want ${'00'.repeat(32)}; GPU-0 eat_nonce: got ${agplNras.nonce}, want ${'00'.repeat(32)}`);
  });

  it('a changed device claim breaks both its signature and the submods digest', async () => {
    const [[, overall], devs] = JSON.parse(agplNras.token()) as [[string, string], Record<string, string>];
    const forged = JSON.stringify([['JWT', overall], { 'GPU-0': withPayload(devs['GPU-0']!, (p) => (p.dbgstat = 'disabled ')) }]);
    const eat = parseNrasToken(forged);
    expect(failed(await verifyNrasSignatures(eat, agplNras.jwks(), { now: at(agplNras.iat), ...pins }))).toEqual(['gpu.nras.GPU-0.signature']);
    const claims = await checkNrasClaims(eat, expectAgpl());
    expect(failed(claims)).toEqual(['gpu.nras.submods', 'gpu.nras.GPU-0.dbgstat']);
    expect(claims.find((c) => c.id === 'gpu.nras.submods')!.detail).toMatch(/^submods\.GPU-0 digest: got 00e6dc10[0-9a-f]+, want [0-9a-f]{64} \(SHA-256 of the GPU-0 token\)$/);
  });

  it('a changed overall claim breaks its signature', async () => {
    const [[, overall], devs] = JSON.parse(agplNras.token()) as [[string, string], Record<string, string>];
    const eat = parseNrasToken(JSON.stringify([['JWT', withPayload(overall, (p) => (p.exp = 9999999999))], devs]));
    expect(failed(await verifyNrasSignatures(eat, agplNras.jwks(), { now: at(agplNras.iat), ...pins }))).toEqual(['gpu.nras.signature']);
  });

  it('an extra device token with no submods entry fails submods', async () => {
    const [[, overall], devs] = JSON.parse(agplNras.token()) as [[string, string], Record<string, string>];
    const eat = parseNrasToken(JSON.stringify([['JWT', overall], { ...devs, 'GPU-1': devs['GPU-0']! }]));
    const c = (await checkNrasClaims(eat, expectAgpl())).find((x) => x.id === 'gpu.nras.submods')!;
    expect(c.passed).toBe(false);
    expect(c.detail).toContain('submods.GPU-1: got absent');
  });

  it('a single compact JWT is checked as one token', async () => {
    const [[, overall]] = JSON.parse(agplNras.token()) as [[string, string]];
    const eat = parseNrasToken(overall);
    expect(eat.detached).toBe(false);
    expect(failed(await verifyNrasSignatures(eat, agplNras.jwks(), { now: at(agplNras.iat), ...pins }))).toEqual([]);
    // The overall token carries no device claims: those checks fail, naming the claim.
    const f = failed(await checkNrasClaims(eat, expectAgpl()));
    expect(f).toContain('gpu.nras.device');
    expect(f).toContain('gpu.nras.token.measres');
  });
});

describe('the nvtrust-sample NRAS result', () => {
  it('its key is in no public JWKS: a clear "unknown kid" failure, claims still checked', async () => {
    const eat = parseNrasToken(nvtrustNras.token());
    const sigs = await verifyNrasSignatures(eat, OTHER_JWKS, { now: at(nvtrustNras.iat), ...pins });
    expect(failed(sigs)).toEqual(['gpu.nras.key', 'gpu.nras.chain', 'gpu.nras.signature', 'gpu.nras.GPU-0.signature']);
    expect(sigs[0]!.detail).toBe('unknown kid: the token is signed with kid "nv-eat-kid-prod-20250609211310110-93b13aa1-17e4-4c14-9d33-dba2323329f2", which is not among the 1 key(s) of the JWKS');
    expect(sigs[2]!.got).toBe('unknown kid');
    const claims = await checkNrasClaims(eat, {
      now: at(nvtrustNras.iat),
      clockSkewSeconds: 60,
      issuer: NRAS_ISSUER,
      nonceHex: '931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb',
      ueid: nvtrustNras.ueid,
      driverVersion: '550.90.07',
      vbiosVersion: '96.00.9F.00.01',
    });
    expect(failed(claims)).toEqual([]);
  });

  it.each([
    ['no keys array', {}],
    ['null', null],
    ['keys not an array', { keys: 'x' }],
  ])('a JWKS with %s fails gpu.nras.key', async (_, jwks) => {
    const sigs = await verifyNrasSignatures(parseNrasToken(nvtrustNras.token()), jwks, { now: at(nvtrustNras.iat), ...pins });
    expect(sigs[0]).toMatchObject({ id: 'gpu.nras.key', passed: false, detail: 'the JWKS has no "keys" array' });
  });
});

describe('malformed NRAS tokens: ParseError', () => {
  const [[, overall], devs] = JSON.parse(nvtrustNras.token()) as [[string, string], Record<string, string>];
  const [h, p, s] = overall.split('.') as [string, string, string];
  const cases: [string, string, string][] = [
    ['empty', '', 'nras.token'],
    ['not JSON', '[x', 'nras.token'],
    ['a one-element array', JSON.stringify([['JWT', overall]]), 'nras.token'],
    ['no JWT tag', JSON.stringify([['JWS', overall], devs]), 'nras.token[0]'],
    ['no device tokens', JSON.stringify([['JWT', overall], {}]), 'nras.token[1]'],
    ['two parts', `${h}.${p}`, 'nras.token'],
    ['alg none', `${b64u('{"alg":"none","kid":"k"}')}.${p}.${s}`, 'nras.token.header.alg'],
    ['alg HS384', `${b64u('{"alg":"HS384","kid":"k"}')}.${p}.${s}`, 'nras.token.header.alg'],
    ['a crit header', `${b64u('{"alg":"ES384","kid":"k","crit":["b64"],"b64":false}')}.${p}.${s}`, 'nras.token.header.crit'],
    ['no kid', `${b64u('{"alg":"ES384"}')}.${p}.${s}`, 'nras.token.header.kid'],
    ['a payload that is not an object', `${h}.${b64u('[1]')}.${s}`, 'nras.token.payload'],
    ['padding in base64url', `${h}.${p}.${s}=`, 'nras.token.signature'],
    ['a short signature', `${h}.${p}.${s.slice(0, 40)}`, 'nras.token.signature'],
    ['a device token that is a number', JSON.stringify([['JWT', overall], { 'GPU-0': 5 }]), 'nras.token.GPU-0'],
  ];
  it.each(cases)('%s', (_, text, field) => {
    try {
      parseNrasToken(text);
      throw new Error('no throw');
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      expect((e as ParseError).field).toBe(field);
    }
  });
});
