/**
 * The hardware trust policy: the minimum platform TCB per AMD product line (defaults follow AMD's
 * security bulletins, see src/core/attest/policy.ts), and whether a revocation check that cannot
 * run fails the attestation. Which software is trusted is set per gateway (Gateways section).
 */
import { useEffect, useState } from 'preact/hooks';
import type { Product } from '../../../core/attest/sevsnp/abi.ts';
import { DEFAULT_MIN_TCB } from '../../../core/attest/policy.ts';
import type { Settings, TcbParts } from '../../../core/settings/settings.ts';
import { t } from '../../i18n.ts';
import { parseTcbPart, TCB_PARTS, type TcbPart } from '../../lib/input.ts';
import { CheckField, SettingsForm } from './SettingsForm.tsx';
import type { SectionProps } from './types.ts';

const TCB_KEY: Record<TcbPart, string> = { bl: 'tcbBl', tee: 'tcbTee', snp: 'tcbSnp', ucode: 'tcbUcode', fmc: 'tcbFmc' };
const PRODUCTS: readonly Product[] = ['Milan', 'Genoa', 'Turin'];
type Texts = Record<Product, Record<TcbPart, string>>;

function textsOf(min: Settings['minTcb']): Texts {
  return Object.fromEntries(PRODUCTS.map((p) => [p, Object.fromEntries(TCB_PARTS.map((k) => [k, min[p][k]?.toString() ?? '']))])) as Texts;
}

export function TrustPolicySection({ s, busy, status, onSave }: SectionProps) {
  const [tcb, setTcb] = useState<Texts>(() => textsOf(s.minTcb));
  const [requireRevocation, setRequireRevocation] = useState(s.requireRevocation);
  useEffect(() => {
    setTcb(textsOf(s.minTcb));
    setRequireRevocation(s.requireRevocation);
  }, [JSON.stringify(s.minTcb), s.requireRevocation]);
  const bad: string[] = [];
  const minTcb = {} as Record<Product, TcbParts>;
  for (const p of PRODUCTS) {
    minTcb[p] = {};
    for (const k of TCB_PARTS) {
      const r = parseTcbPart(tcb[p][k]);
      if (!r.ok) bad.push(`${p} ${k}`);
      else if (r.value !== undefined) minTcb[p][k] = r.value;
    }
  }
  return (
    <SettingsForm id="trust" title={t('trustTitle')} explain={t('trustPolicyExplain')} busy={busy} status={status} onSubmit={() => !bad.length && onSave({ minTcb, requireRevocation })}>
      {PRODUCTS.map((p) => (
        <fieldset class="field" key={p}>
          <legend>{t('trustMinTcbFor', [p])}</legend>
          <div class="tcb-grid">
            {TCB_PARTS.map((k) => (
              <div class="tcb-part" key={k}>
                <label for={`tcb-${p}-${k}`}>{t(TCB_KEY[k])}</label>
                <input
                  id={`tcb-${p}-${k}`}
                  inputMode="numeric"
                  value={tcb[p][k]}
                  placeholder={DEFAULT_MIN_TCB[p][k]?.toString() ?? '—'}
                  aria-invalid={bad.includes(`${p} ${k}`) ? 'true' : undefined}
                  onInput={(e) => setTcb({ ...tcb, [p]: { ...tcb[p], [k]: e.currentTarget.value } })}
                />
              </div>
            ))}
          </div>
        </fieldset>
      ))}
      <p class={bad.length ? 'field-error' : 'hint'}>{bad.length ? t('trustTcbBad') : t('trustMinTcbHint')}</p>
      <CheckField id="set-revocation" label={t('requireRevocationLabel')} hint={t('requireRevocationHint')} checked={requireRevocation} onChange={setRequireRevocation} />
    </SettingsForm>
  );
}
