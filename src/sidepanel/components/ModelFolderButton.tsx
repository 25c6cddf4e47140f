/**
 * "Load from a folder…": for machines that cannot reach the model hub. The person picks the
 * model's folder (downloaded elsewhere); its files are checked against the pinned hashes before
 * they are used.
 */
import { useEffect, useRef } from 'preact/hooks';
import { t } from '../i18n.ts';
import type { LibraryModel } from '../models/library.ts';
import { Icon } from './Icon.tsx';

export function ModelFolderButton({ library, disabled }: { library: LibraryModel; disabled?: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    // Not in Preact's JSX types; every Chromium supports it.
    if (input.current) input.current.webkitdirectory = true;
  }, []);
  return (
    <>
      <button type="button" class="btn" onClick={() => !disabled && input.current?.click()} aria-disabled={disabled ? 'true' : undefined}>
        <Icon name="upload" /> {t('modelFromFolder')}
      </button>
      <input
        ref={input}
        type="file"
        class="sr-only"
        tabIndex={-1}
        aria-hidden="true"
        data-testid="model-folder-input"
        onChange={(e) => {
          const list = [...(e.currentTarget.files ?? [])];
          e.currentTarget.value = '';
          if (list.length) void library.loadModelFromFolder(list);
        }}
      />
    </>
  );
}
