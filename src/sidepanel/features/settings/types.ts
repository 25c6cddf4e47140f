import type { ComponentChildren } from 'preact';
import type { Settings } from '../../../core/settings/settings.ts';

/** What SettingsView hands each section that saves settings. */
export interface SectionProps {
  s: Settings;
  busy: boolean;
  status: ComponentChildren;
  onSave: (patch: Partial<Settings>) => void;
}
