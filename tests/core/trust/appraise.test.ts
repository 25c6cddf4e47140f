/** The software appraisal: what each trust source makes of a proven identity. */
import { describe, expect, it } from 'vitest';
import { accept, appraise, remember } from '../../../src/core/trust/appraise.ts';
import { EMPTY_TRUST_STATE, type TrustState, type VerifiedRelease } from '../../../src/core/trust/types.ts';

const A = 'aa'.repeat(48);
const B = 'bb'.repeat(48);
const id = (value: string) => ({ kind: 'snp-measurement' as const, value });
const empty = (): TrustState => ({ ...EMPTY_TRUST_STATE, accepted: [], releases: [] });
const release = (tag: string, measurements: string[], logIndex = 1): VerifiedRelease => ({
  repo: 'o/r',
  tag,
  digest: '11'.repeat(32),
  predicateType: 'https://confidant.dev/predicate/gateway/v1',
  rekorLogIndex: logIndex,
  integratedTime: 1_700_000_000,
  measurements,
  verifiedAt: 1,
});

describe('appraise', () => {
  it('no trust source: unknown, whatever the value', () => {
    const a = appraise(id(A), { kind: 'none' }, empty());
    expect(a.status).toBe('unknown');
    expect(a.check).toMatchObject({ id: 'software.identity', passed: false, got: A });
  });

  it('pinned: trusted when pinned, a blocking change otherwise (old value named); nothing but the list counts', () => {
    expect(appraise(id(A), { kind: 'pinned', values: [A] }, empty())).toMatchObject({ status: 'trusted', via: 'pinned' });
    const c = appraise(id(B), { kind: 'pinned', values: [A] }, empty());
    expect(c).toMatchObject({ status: 'changed', previous: { value: A } });
    expect(c.check).toMatchObject({ passed: false, got: B, want: A });
    expect(appraise(id(B), { kind: 'pinned', values: [A] }, accept(empty(), B, null, 1)).status).toBe('changed');
  });

  it('trust on first use: unknown until accepted, then trusted; a later different value is a change', () => {
    let s = empty();
    expect(appraise(id(A), { kind: 'tofu' }, s).status).toBe('unknown');
    s = accept(s, A, null, 10);
    expect(appraise(id(A), { kind: 'tofu' }, s)).toMatchObject({ status: 'trusted', via: 'tofu' });
    s = remember(s, A, null, 11);
    expect(appraise(id(B), { kind: 'tofu' }, s)).toMatchObject({ status: 'changed', previous: { value: A }, release: null });
    s = accept(s, B, null, 12);
    expect(appraise(id(B), { kind: 'tofu' }, s)).toMatchObject({ status: 'trusted' });
  });

  it('releases: the build of a verified release is trusted, naming it; on first sight of another build, a change naming the latest release', () => {
    const s = { ...empty(), releases: [release('v2', [B], 2), release('v1', [A], 1)] };
    expect(appraise(id(A), { kind: 'releases', repo: 'o/r' }, s)).toMatchObject({ status: 'trusted', via: 'release', release: { tag: 'v1', rekorLogIndex: 1 } });
    expect(appraise(id('cc'.repeat(48)), { kind: 'releases', repo: 'o/r' }, s)).toMatchObject({ status: 'changed', previous: { value: B, release: { tag: 'v2' } } });
    // Releases of another repository do not count.
    expect(appraise(id(A), { kind: 'releases', repo: 'x/y' }, s).status).toBe('unknown');
  });

  it('releases: moving to a newer release is still shown as a change, with the release that explains it', () => {
    let s: TrustState = { ...empty(), releases: [release('v2', [B], 2), release('v1', [A], 1)] };
    s = remember(s, A, null, 1);
    const c = appraise(id(B), { kind: 'releases', repo: 'o/r' }, s);
    expect(c).toMatchObject({ status: 'changed', previous: { value: A }, release: { tag: 'v2', rekorLogIndex: 2 } });
    expect(c.check.detail).toMatch(/release v2 of o\/r explains it/);
    s = accept(s, B, { ...release('v2', [B], 2) }, 5);
    expect(appraise(id(B), { kind: 'releases', repo: 'o/r' }, s).status).toBe('trusted');
  });

  it('accepting twice keeps one entry; values compare case-insensitively', () => {
    const s = accept(accept(empty(), A.toUpperCase(), null, 1), A, null, 2);
    expect(s.accepted).toHaveLength(1);
    expect(appraise(id(A.toUpperCase()), { kind: 'tofu' }, s).status).toBe('trusted');
  });
});
