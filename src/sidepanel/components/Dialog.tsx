/**
 * A modal dialog on the native <dialog>: showModal() traps focus and makes the rest inert, Esc
 * closes it, and focus returns to the control that opened it.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import { t } from '../i18n.ts';
import { Icon } from './Icon.tsx';

export interface DialogProps {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  /** Extra class for sizing (e.g. "dialog-wide"). */
  class?: string;
  testId?: string;
}

export function Dialog({ open, title, onClose, children, class: cls, testId }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    else if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      class={cls ? `dialog ${cls}` : 'dialog'}
      aria-labelledby={titleId}
      data-testid={testId}
      onClose={() => open && onClose()}
      onClick={(e) => {
        // A click on the backdrop (the dialog element itself, outside its box) closes it.
        if (e.target === ref.current) onClose();
      }}
    >
      {open && (
        <div class="dialog-box">
          <div class="dialog-head">
            <h2 id={titleId}>{title}</h2>
            <button type="button" class="icon-btn" aria-label={t('close')} title={t('close')} onClick={onClose}>
              <Icon name="x" />
            </button>
          </div>
          <div class="dialog-body">{children}</div>
        </div>
      )}
    </dialog>
  );
}

export interface ConfirmProps {
  open: boolean;
  title: string;
  body: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

export function ConfirmDialog({ open, title, body, confirmLabel, danger, busy, onConfirm, onCancel }: ConfirmProps) {
  return (
    <Dialog open={open} title={title} onClose={onCancel}>
      <div class="dialog-text">{body}</div>
      <div class="dialog-actions">
        <button type="button" class="btn" onClick={onCancel}>
          {t('cancel')}
        </button>
        <button type="button" class={danger ? 'btn btn-danger' : 'btn btn-primary'} onClick={onConfirm} disabled={busy}>
          {confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
