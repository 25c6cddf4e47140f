/**
 * One settings section: a heading, what it is for, a form with its fields, where its save status
 * shows, and one Save button whose accessible name names the section ("Save Answers"), so every
 * section saves the same obvious way and each button can be told apart.
 */
import type { ComponentChildren } from 'preact';
import { Spinner } from '../../components/Progress.tsx';
import { t } from '../../i18n.ts';

export interface SettingsFormProps {
  /** Section id: `settings-<id>` is the element id (Settings can scroll to it). */
  id: string;
  title: string;
  explain?: string;
  busy: boolean;
  onSubmit: () => void;
  /** The save status (an error or "Saved."), shown above the button. */
  status?: ComponentChildren;
  /** A label for the button other than "Save". */
  saveLabel?: string;
  /** Buttons before Save (e.g. "Remove key"). */
  extraActions?: ComponentChildren;
  danger?: boolean;
  children: ComponentChildren;
}

export function SettingsForm({ id, title, explain, busy, onSubmit, status, saveLabel, extraActions, danger, children }: SettingsFormProps) {
  return (
    <section class={danger ? 'section danger' : 'section'} id={`settings-${id}`} aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>{title}</h3>
      {explain && <p class="muted small">{explain}</p>}
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy) onSubmit();
        }}
      >
        {children}
        {status}
        <div class="row-actions">
          {extraActions}
          <button type="submit" class="btn btn-primary" aria-disabled={busy ? 'true' : undefined} aria-label={saveLabel ? undefined : t('saveSection', [title])} data-testid={`save-${id}`}>
            {busy && <Spinner />} {saveLabel ?? t('save')}
          </button>
        </div>
      </form>
    </section>
  );
}

/** A labelled field with its hint or error below it. */
export function Field({ id, label, hint, error, children }: { id: string; label: string; hint?: string | null; error?: string | null; children: ComponentChildren }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
      {(error || hint) && (
        <p id={`${id}-hint`} class={error ? 'field-error' : 'hint'}>
          {error ?? hint}
        </p>
      )}
    </div>
  );
}

/** A checkbox with its explanation. */
export function CheckField({ id, label, hint, checked, onChange, warn }: { id: string; label: string; hint?: string; checked: boolean; onChange: (v: boolean) => void; warn?: boolean }) {
  return (
    <div class="field">
      <label class="check-row">
        <input type="checkbox" id={id} checked={checked} onChange={(e) => onChange(e.currentTarget.checked)} aria-describedby={hint ? `${id}-hint` : undefined} />
        <span>{label}</span>
      </label>
      {hint && (
        <p id={`${id}-hint`} class={warn ? 'hint warn' : 'hint'}>
          {hint}
        </p>
      )}
    </div>
  );
}
