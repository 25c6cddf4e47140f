/** The settings document: one validator on read and write, migration, scoped development trust. */
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../../src/core/errors.ts';
import { policyFor } from '../../../src/core/settings/policy.ts';
import { defaultSettings, parseSettings, type GatewayProfile } from '../../../src/core/settings/settings.ts';
import { isNeverRead, parseGatewayUrl } from '../../../src/core/settings/input.ts';

const ID = '00112233aabbccdd';
const profile = (over: Partial<GatewayProfile> = {}): GatewayProfile => ({
  id: ID,
  provider: 'confidant',
  label: 'GW',
  url: 'https://gw.example.com',
  development: false,
  trust: { kind: 'none' },
  allowUnknownSoftware: false,
  ...over,
});

function fieldOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ParseError) return e.field;
    throw e;
  }
  return 'no error';
}

describe('parseSettings', () => {
  it('absent is the defaults: no gateway, the minimum TCB per product, revocation reported not required', () => {
    const d = parseSettings(undefined);
    expect(d).toEqual(defaultSettings());
    expect(d.gateways).toEqual([]);
    expect(d.minTcb.Milan).toEqual({ bl: 3, tee: 0, snp: 23, ucode: 213 });
    expect(d.requireRevocation).toBe(false);
  });

  it('reads profiles of every provider and normalises them', () => {
    const s = parseSettings({
      version: 2,
      gateways: [
        profile({ url: 'https://gw.example.com/', label: '  ' }),
        profile({ id: 'aaaaaaaaaaaaaaaa', provider: 'tinfoil', url: 'https://inference.tinfoil.sh', trust: { kind: 'releases', repo: 'tinfoilsh/confidential-model-router' } }),
        profile({ id: 'bbbbbbbbbbbbbbbb', provider: 'privatemode', url: 'https://api.privatemode.ai', trust: { kind: 'pinned', values: ['0X' + 'AB'.repeat(32)] } }),
      ],
      activeGatewayId: 'aaaaaaaaaaaaaaaa',
    });
    expect(s.gateways[0]).toMatchObject({ url: 'https://gw.example.com', label: 'Confidant gateway' });
    expect(s.gateways[2]).toMatchObject({ manifestUrl: 'https://cdn.confidential.cloud/privatemode/v2/manifest.json', trust: { kind: 'pinned', values: ['ab'.repeat(32)] } });
  });

  it.each([
    ['development trust for a remote address', { gateways: [profile({ development: true })] }, 'settings.gateways[0].development'],
    ['plain http to a remote address', { gateways: [profile({ url: 'http://gw.example.com' })] }, 'settings.gateways[0].url'],
    ['an active id that is no profile', { gateways: [profile()], activeGatewayId: 'ffffffffffffffff' }, 'settings.activeGatewayId'],
    ['a duplicate profile id', { gateways: [profile(), profile()] }, 'settings.gateways[1].id'],
    ['an unknown provider', { gateways: [profile({ provider: 'other' as 'confidant' })] }, 'settings.gateways[0].provider'],
    ['a pinned measurement that is not 96 hex digits', { gateways: [profile({ trust: { kind: 'pinned', values: ['abc'] } })] }, 'settings.gateways[0].trust.values[0]'],
    ['releases for Privatemode (it publishes none)', { gateways: [profile({ provider: 'privatemode', trust: { kind: 'releases', repo: 'a/b' } })] }, 'settings.gateways[0].trust.kind'],
    ['a repository that is not owner/name', { gateways: [profile({ trust: { kind: 'releases', repo: 'https://github.com/a/b' } })] }, 'settings.gateways[0].trust.repo'],
    ['an unknown setting', { trustDevEverywhere: true }, 'settings.trustDevEverywhere'],
    ['a TCB part over 255', { minTcb: { Milan: { ucode: 300 } } }, 'settings.minTcb.Milan.ucode'],
    ['a site that is not a host', { neverReadSites: ['not a host'] }, 'settings.neverReadSites[0]'],
  ])('refuses %s, naming the field', (_, doc, field) => {
    expect(fieldOf(() => parseSettings({ version: 2, ...doc }))).toBe(field);
  });

  it('development trust stays allowed on loopback addresses', () => {
    for (const url of ['http://127.0.0.1:8787', 'http://localhost:8787', 'http://[::1]:8787']) {
      expect(parseSettings({ version: 2, gateways: [profile({ url, development: true })], activeGatewayId: ID }).gateways[0]!.development).toBe(true);
    }
  });

  it('migrates version 1: one gateway, its pinned measurements, development trust only if it was on loopback', () => {
    const m = 'cd'.repeat(48);
    const remote = parseSettings({ gatewayUrl: 'https://gw.example.com', trustDev: true, trustedMeasurements: [m], minTcb: { ucode: 250 }, passages: 4 }, () => ID);
    expect(remote).toMatchObject({ version: 2, activeGatewayId: ID, passages: 4 });
    expect(remote.gateways[0]).toMatchObject({ id: ID, url: 'https://gw.example.com', development: false, trust: { kind: 'pinned', values: [m] } });
    expect(remote.minTcb.Milan.ucode).toBe(250);
    expect(remote.minTcb.Genoa.ucode).toBe(250);
    const local = parseSettings({ gatewayUrl: 'http://127.0.0.1:8787', trustDev: true, trustedMeasurements: [], minTcb: {} }, () => ID);
    expect(local.gateways[0]).toMatchObject({ development: true, trust: { kind: 'none' } });
    expect(parseSettings({ gatewayUrl: null, trustDev: true, trustedMeasurements: [], minTcb: {} }).gateways).toEqual([]);
  });
});

describe('the policy of a profile', () => {
  it('allows simulated evidence only for a development profile, applies the TCB minimum and the revocation rule', () => {
    const s = parseSettings({ version: 2, gateways: [profile()], activeGatewayId: ID, requireRevocation: true });
    const p = policyFor(s, s.gateways[0]!);
    expect(p.allowSimulated).toBe(false);
    expect(p.snp.crl).toBe('require');
    expect(p.snp.minTcbByProduct?.Genoa).toEqual({ bl: 7, tee: 0, snp: 23, ucode: 84 });
    expect(p.snp.vmpls).toEqual([0]);
    const dev = parseSettings({ version: 2, gateways: [profile({ url: 'http://127.0.0.1:1', development: true })], activeGatewayId: ID });
    const q = policyFor(dev, dev.gateways[0]!);
    expect(q.allowSimulated).toBe(true);
    expect(q.snp.crl).toBe('fetch');
  });
});

describe('input', () => {
  it('never-read sites match the host and its subdomains only', () => {
    expect(isNeverRead('https://bank.example.com/a', ['example.com'])).toBe('example.com');
    expect(isNeverRead('https://example.com.evil.org/a', ['example.com'])).toBeNull();
    expect(isNeverRead('https://notexample.com/', ['example.com'])).toBeNull();
    expect(isNeverRead('not a url', ['example.com'])).toBeNull();
  });
  it('a bare loopback address means http; permissions are asked per host', () => {
    expect(parseGatewayUrl('127.0.0.1:8787')).toMatchObject({ ok: true, url: 'http://127.0.0.1:8787', pattern: 'http://127.0.0.1/*', loopback: true });
    expect(parseGatewayUrl('[::1]:8787')).toMatchObject({ ok: true, loopback: true });
  });
});
