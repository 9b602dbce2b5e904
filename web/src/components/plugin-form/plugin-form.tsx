import {
  ActionIcon,
  Button,
  Checkbox,
  Fieldset,
  Group,
  Input,
  PasswordInput,
  Select,
  Stack,
  TagsInput,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useId } from 'react';
import type { FieldSpec, FieldValue, FormValues } from './model';
import { secretMask } from './model';

export interface PluginFormFieldsProps {
  fields: FieldSpec[];
  values: FormValues;
  onChange(values: FormValues): void;
  /** messages next to their field (the API's refusal, or a local check) */
  errors?: Record<string, string | undefined>;
  disabled?: boolean;
}

/**
 * The fields of a plugin's config, drawn from its `/form` answer: a new action, connection or generator
 * type needs no screen code. Controlled: the caller keeps the values, so nothing typed is lost on an error.
 */
export function PluginFormFields({ fields, values, onChange, errors = {}, disabled }: PluginFormFieldsProps) {
  if (fields.length === 0) return <Text c="dimmed">This type has nothing to configure.</Text>;
  return (
    <Stack gap="sm">
      {fields.map((field) => (
        <PluginField
          key={field.name}
          field={field}
          value={values[field.name]}
          error={errors[field.name]}
          disabled={disabled}
          onChange={(value) => onChange({ ...values, [field.name]: value })}
        />
      ))}
    </Stack>
  );
}

function PluginField({
  field,
  value,
  error,
  disabled,
  onChange,
}: {
  field: FieldSpec;
  value: FieldValue | undefined;
  error: string | undefined;
  disabled: boolean | undefined;
  onChange(value: FieldValue): void;
}) {
  const common = {
    label: field.label,
    name: field.name,
    description: field.help,
    required: field.required,
    error: error ?? null,
    disabled,
  };
  const text = typeof value === 'string' ? value : '';
  switch (field.kind) {
    case 'checkbox':
      return (
        <Checkbox
          label={field.label}
          name={field.name}
          description={field.help}
          error={error ?? null}
          disabled={disabled}
          checked={value === true}
          onChange={(e) => onChange(e.currentTarget.checked)}
        />
      );
    case 'select': {
      // a stored value the list no longer offers (a connection deleted meanwhile) stays visible
      const options =
        text !== '' && !field.options.some((o) => o.value === text)
          ? [...field.options, { value: text, label: `${text} (not available)` }]
          : field.options;
      return (
        <Select
          {...common}
          data={options}
          value={text === '' ? null : text}
          onChange={(v) => onChange(v ?? '')}
          searchable={options.length > 8}
          clearable={!field.required}
          nothingFoundMessage="Nothing matches"
          placeholder={options.length === 0 ? 'None available' : 'Choose one'}
          comboboxProps={{ withinPortal: true }}
        />
      );
    }
    case 'secret':
      return (
        <PasswordInput
          {...common}
          description={
            text === secretMask
              ? `${field.help ? `${field.help}. ` : ''}Stored; leave it as it is to keep it, or type a new one.`
              : field.help
          }
          autoComplete="new-password"
          value={text}
          onChange={(e) => onChange(e.currentTarget.value)}
          visibilityToggleButtonProps={{ 'aria-label': `Show ${field.label}` }}
        />
      );
    case 'number':
      return (
        <TextInput
          {...common}
          inputMode={field.integer ? 'numeric' : 'decimal'}
          value={text}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
    case 'textarea':
    case 'json':
      return (
        <Textarea
          {...common}
          value={text}
          onChange={(e) => onChange(e.currentTarget.value)}
          autosize
          minRows={field.kind === 'json' || field.mode !== 'text' ? 6 : 3}
          maxRows={24}
          spellCheck={false}
          styles={
            field.mode && field.mode !== 'text'
              ? { input: { fontFamily: 'var(--mantine-font-family-monospace)' } }
              : undefined
          }
        />
      );
    case 'list':
      return (
        <TagsInput
          {...common}
          description={`${field.help ? `${field.help}. ` : ''}Press Enter after each entry.`}
          value={Array.isArray(value) ? (value as string[]) : []}
          onChange={(v) => onChange(v)}
          splitChars={[',']}
          clearable
        />
      );
    case 'map':
      return (
        <MapField
          field={field}
          rows={Array.isArray(value) ? (value as { key: string; value: string }[]) : []}
          error={error}
          disabled={disabled}
          onChange={onChange}
        />
      );
    default:
      return <TextInput {...common} value={text} onChange={(e) => onChange(e.currentTarget.value)} />;
  }
}

/** A map of names to text (headers, a column mapping): one row per entry. */
function MapField({
  field,
  rows,
  error,
  disabled,
  onChange,
}: {
  field: FieldSpec;
  rows: { key: string; value: string }[];
  error: string | undefined;
  disabled: boolean | undefined;
  onChange(rows: { key: string; value: string }[]): void;
}) {
  const id = useId();
  const set = (index: number, row: { key: string; value: string }) =>
    onChange(rows.map((r, i) => (i === index ? row : r)));
  return (
    <Fieldset legend={field.label} aria-describedby={field.help ? `${id}-help` : undefined} variant="unstyled">
      <Stack gap={6}>
        {field.help ? (
          <Text id={`${id}-help`} size="xs" c="dimmed">
            {field.help}
          </Text>
        ) : null}
        {rows.map((row, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity of their own while typed
          <Group key={index} gap="xs" wrap="nowrap" align="flex-end">
            <TextInput
              label={`${field.label} ${index + 1}: name`}
              value={row.key}
              disabled={disabled}
              onChange={(e) => set(index, { ...row, key: e.currentTarget.value })}
              style={{ flex: 1 }}
            />
            <TextInput
              label={`${field.label} ${index + 1}: value`}
              value={row.value}
              disabled={disabled}
              onChange={(e) => set(index, { ...row, value: e.currentTarget.value })}
              style={{ flex: 2 }}
            />
            <ActionIcon
              variant="subtle"
              color="red"
              size="lg"
              disabled={disabled}
              aria-label={`Remove ${field.label} ${index + 1}`}
              onClick={() => onChange(rows.filter((_, i) => i !== index))}
            >
              ×
            </ActionIcon>
          </Group>
        ))}
        <Group>
          <Button
            variant="light"
            size="xs"
            disabled={disabled}
            onClick={() => onChange([...rows, { key: '', value: '' }])}
          >
            Add to {field.label}
          </Button>
        </Group>
        {error ? <Input.Error>{error}</Input.Error> : null}
      </Stack>
    </Fieldset>
  );
}
