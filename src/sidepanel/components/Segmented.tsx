/** A segmented control: a radio group that looks like joined buttons (arrow keys move between options). */
import { useId } from 'preact/hooks';

export interface SegmentedOption<T extends string> {
  value: T;
  label: string;
  title?: string;
}

export interface SegmentedProps<T extends string> {
  label: string;
  value: T;
  options: readonly SegmentedOption<T>[];
  onChange: (value: T) => void;
  disabled?: boolean;
}

export function Segmented<T extends string>({ label, value, options, onChange, disabled }: SegmentedProps<T>) {
  const name = useId();
  return (
    <fieldset class="segmented" disabled={disabled}>
      <legend class="sr-only">{label}</legend>
      {options.map((o) => (
        <label key={o.value} class={o.value === value ? 'segment on' : 'segment'} title={o.title}>
          <input type="radio" name={name} value={o.value} checked={o.value === value} onChange={() => onChange(o.value)} />
          <span>{o.label}</span>
        </label>
      ))}
    </fieldset>
  );
}
