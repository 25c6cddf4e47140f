/**
 * A new passphrase typed twice, with the rule under it and what is wrong once the person has tried
 * to submit: the same fields wherever a passphrase is chosen (first run, changing it, a backup).
 */
import { t } from '../i18n.ts';
import { MIN_PASSPHRASE, passphraseProblem } from '../lib/input.ts';

export interface NewPassphraseFieldsProps {
  /** Prefix of the inputs' ids (unique on the page). */
  id: string;
  /** Label of the first field ("Passphrase", "New passphrase", "Backup passphrase"). */
  label: string;
  value: string;
  confirm: string;
  onValue: (v: string) => void;
  onConfirm: (v: string) => void;
  /** Show the problem (after the first submit). */
  tried: boolean;
  /** More words under the rule (first run: there is no recovery). */
  extraHint?: string;
}

export function NewPassphraseFields({ id, label, value, confirm, onValue, onConfirm, tried, extraHint }: NewPassphraseFieldsProps) {
  const problem = tried ? passphraseProblem(value, confirm) : null;
  return (
    <>
      <div class="field">
        <label for={`${id}-pass`}>{label}</label>
        <input
          id={`${id}-pass`}
          type="password"
          autocomplete="new-password"
          value={value}
          onInput={(e) => onValue(e.currentTarget.value)}
          aria-describedby={`${id}-pass-hint`}
          aria-invalid={problem === 'passphraseTooShort' ? 'true' : undefined}
        />
        <p id={`${id}-pass-hint`} class="hint">
          {t('passphraseRule', [String(MIN_PASSPHRASE)])}
          {extraHint ? ` ${extraHint}` : ''}
        </p>
      </div>
      <div class="field">
        <label for={`${id}-confirm`}>{t('confirmPassphrase')}</label>
        <input
          id={`${id}-confirm`}
          type="password"
          autocomplete="new-password"
          value={confirm}
          onInput={(e) => onConfirm(e.currentTarget.value)}
          aria-invalid={problem === 'passphraseMismatch' ? 'true' : undefined}
          aria-describedby={problem ? `${id}-problem` : undefined}
        />
      </div>
      {problem && (
        <p id={`${id}-problem`} class="field-error" role="alert">
          {t(problem, [String(MIN_PASSPHRASE)])}
        </p>
      )}
    </>
  );
}
