import { Alert, Button, Group, NumberInput, Select, Stack, Switch, Textarea, TextInput } from '@mantine/core';
import { type FormEvent, type ReactNode, useState } from 'react';
import { errorMessage } from '../../../lib/api-client';
import { type LabelSource, type Option, type OptionSource, RemoteMultiSelect, RemoteSelect } from './entity-select';
import { type KeyValue, KeyValueInput } from './key-value-input';

/** A value of the form; lists of records are for fields a screen renders itself (rate allocations). */
export type FieldValue =
  | string
  | number
  | boolean
  | string[]
  | KeyValue[]
  | Record<string, unknown>[]
  | Record<string, unknown>
  | null;
export type FormValues = Record<string, FieldValue>;

/** What a live check says about a value: a problem, or a hint when it is fine. */
export type LiveCheck = { error: string } | { hint: ReactNode } | null;

interface BaseField {
  /** the key in the form's values (and usually in the API's body) */
  readonly name: string;
  readonly label: string;
  readonly description?: ReactNode;
  readonly required?: boolean;
  /** API messages about this field (besides "property /<name>"), so the message stands next to it */
  readonly match?: RegExp;
  /** shown only when this says so (a field that applies to some methods only) */
  readonly when?: (values: FormValues) => boolean;
  readonly disabled?: boolean;
}

export type FieldSpec = BaseField &
  (
    | {
        readonly kind: 'text';
        readonly type?: 'text' | 'email' | 'password' | 'url';
        readonly placeholder?: string;
        readonly monospace?: boolean;
        readonly autoComplete?: string;
        /** checked on every keystroke */
        readonly check?: (value: string) => LiveCheck;
      }
    | { readonly kind: 'textarea'; readonly rows?: number; readonly monospace?: boolean }
    | {
        readonly kind: 'number';
        readonly min?: number;
        readonly max?: number;
        readonly placeholder?: string;
        /** digits after the point (a price); whole numbers when absent */
        readonly decimals?: number;
      }
    | { readonly kind: 'switch' }
    | {
        readonly kind: 'select';
        /** fixed choices, or choices searched on the server */
        readonly options: readonly Option[] | OptionSource;
        readonly labelOf?: LabelSource;
        readonly clearable?: boolean;
        readonly placeholder?: string;
      }
    | { readonly kind: 'multiselect'; readonly options: OptionSource; readonly creatable?: boolean }
    | { readonly kind: 'keyvalue' }
  );

/** The field an API message is about: `property /name …`, or the field's own words. */
export function fieldOfMessage(message: string, fields: readonly FieldSpec[]): string | null {
  for (const field of fields) {
    if (new RegExp(`property /${field.name}\\b`).test(message)) return field.name;
  }
  for (const field of fields) if (field.match?.test(message)) return field.name;
  return null;
}

function isEmpty(value: FieldValue | undefined): boolean {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
}

/**
 * A form built from a small spec. The API's refusal stands next to the field it names (or above the
 * form); what was typed stays as it was. `warnings` are shown live above the submit button.
 */
export function EntityForm({
  fields,
  initial,
  submitLabel,
  onSubmit,
  warnings,
  children,
}: {
  fields: readonly FieldSpec[];
  initial: FormValues;
  submitLabel: string;
  onSubmit(values: FormValues): Promise<void>;
  warnings?: (values: FormValues) => ReactNode;
  /** more content between the fields and the submit button */
  children?: (values: FormValues, set: (name: string, value: FieldValue) => void) => ReactNode;
}) {
  const [values, setValues] = useState<FormValues>(initial);
  const [problem, setProblem] = useState<{ field: string | null; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (name: string, value: FieldValue) => setValues((v) => ({ ...v, [name]: value }));
  const shown = fields.filter((f) => !f.when || f.when(values));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const missing = shown.find((f) => f.required && f.kind !== 'switch' && isEmpty(values[f.name]));
    if (missing) {
      setProblem({ field: missing.name, message: `${missing.label} must not be empty` });
      return;
    }
    for (const field of shown) {
      if (field.kind === 'text' && field.check && typeof values[field.name] === 'string') {
        const result = field.check(values[field.name] as string);
        if (result && 'error' in result) {
          setProblem({ field: field.name, message: result.error });
          return;
        }
      }
    }
    setProblem(null);
    setBusy(true);
    try {
      await onSubmit(values);
    } catch (error) {
      const message = errorMessage(error);
      setProblem({ field: fieldOfMessage(message, shown), message });
    } finally {
      setBusy(false);
    }
  }

  const errorOf = (name: string) => (problem?.field === name ? problem.message : null);
  const warning = warnings?.(values);
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm" maw={760}>
        {problem && problem.field === null ? (
          <Alert color="red" role="alert" title="Not saved">
            {problem.message}
          </Alert>
        ) : null}
        {shown.map((field) => (
          <FieldInput
            key={field.name}
            field={field}
            value={values[field.name] ?? null}
            onChange={(value) => {
              set(field.name, value);
              if (problem?.field === field.name) setProblem(null);
            }}
            error={errorOf(field.name)}
          />
        ))}
        {children?.(values, set)}
        {warning}
        <Group>
          <Button type="submit" loading={busy}>
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function FieldInput({
  field,
  value,
  onChange,
  error,
}: {
  field: FieldSpec;
  value: FieldValue;
  onChange(value: FieldValue): void;
  error: string | null;
}) {
  const common = {
    label: field.label,
    description: field.description,
    required: field.required,
    disabled: field.disabled,
    name: field.name,
  };
  switch (field.kind) {
    case 'text': {
      const text = typeof value === 'string' ? value : '';
      const live = field.check && text !== '' ? field.check(text) : null;
      const description =
        live && 'hint' in live ? (
          <>
            {field.description ? <>{field.description} </> : null}
            {live.hint}
          </>
        ) : (
          field.description
        );
      return (
        <TextInput
          {...common}
          description={description}
          type={field.type ?? 'text'}
          placeholder={field.placeholder}
          autoComplete={field.autoComplete}
          value={text}
          onChange={(e) => onChange(e.currentTarget.value)}
          error={error ?? (live && 'error' in live ? live.error : null)}
          styles={field.monospace ? { input: { fontFamily: 'var(--mantine-font-family-monospace)' } } : undefined}
        />
      );
    }
    case 'textarea':
      return (
        <Textarea
          {...common}
          autosize
          minRows={field.rows ?? 3}
          maxRows={16}
          value={typeof value === 'string' ? value : ''}
          onChange={(e) => onChange(e.currentTarget.value)}
          error={error}
          styles={field.monospace ? { input: { fontFamily: 'var(--mantine-font-family-monospace)' } } : undefined}
        />
      );
    case 'number':
      return (
        <NumberInput
          {...common}
          min={field.min}
          max={field.max}
          placeholder={field.placeholder}
          allowDecimal={(field.decimals ?? 0) > 0}
          decimalScale={field.decimals}
          fixedDecimalScale={(field.decimals ?? 0) > 0}
          value={typeof value === 'number' ? value : typeof value === 'string' ? value : ''}
          onChange={(next) => onChange(next === '' ? null : typeof next === 'number' ? next : Number(next))}
          error={error}
        />
      );
    case 'switch':
      return (
        <Switch
          label={field.label}
          description={field.description}
          name={field.name}
          disabled={field.disabled}
          checked={value === true}
          onChange={(e) => onChange(e.currentTarget.checked)}
          error={error}
        />
      );
    case 'select':
      if (typeof field.options === 'function') {
        return (
          <RemoteSelect
            {...common}
            source={field.options}
            labelOf={field.labelOf}
            placeholder={field.placeholder}
            value={value === null ? null : String(value)}
            onChange={onChange}
            clearable={field.clearable}
            error={error}
          />
        );
      }
      return (
        <Select
          {...common}
          data={field.options as Option[]}
          placeholder={field.placeholder}
          value={value === null ? null : String(value)}
          onChange={onChange}
          clearable={field.clearable}
          allowDeselect={field.clearable ?? false}
          error={error}
        />
      );
    case 'multiselect':
      return (
        <RemoteMultiSelect
          {...common}
          source={field.options}
          creatable={field.creatable}
          value={Array.isArray(value) ? (value as string[]) : []}
          onChange={onChange}
          error={error}
        />
      );
    case 'keyvalue':
      return (
        <KeyValueInput
          label={field.label}
          description={field.description}
          value={Array.isArray(value) ? (value as KeyValue[]) : []}
          onChange={onChange}
          error={error}
        />
      );
  }
}
