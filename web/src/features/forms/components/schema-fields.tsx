import { Checkbox, Fieldset, PasswordInput, Select, Stack, Textarea, TextInput } from '@mantine/core';
import type { Field, Node, Values } from '../model';

interface Props {
  nodes: Node[];
  values: Values;
  errors: Record<string, string>;
  onChange(id: string, value: string | boolean): void;
  disabled?: boolean;
}

/** The inputs of a form, each labelled; nested objects become fieldsets with a legend. */
export function SchemaFields({ nodes, values, errors, onChange, disabled }: Props) {
  return (
    <Stack gap="sm">
      {nodes.map((node) =>
        'group' in node ? (
          <Fieldset key={node.group.id} legend={node.group.legend} disabled={disabled}>
            {node.group.help ? <p style={{ marginTop: 0 }}>{node.group.help}</p> : null}
            <SchemaFields nodes={node.group.children} values={values} errors={errors} onChange={onChange} />
          </Fieldset>
        ) : (
          <FieldInput
            key={node.field.id}
            field={node.field}
            value={values[node.field.id]}
            error={errors[node.field.id]}
            onChange={(value) => onChange(node.field.id, value)}
            disabled={disabled}
          />
        ),
      )}
    </Stack>
  );
}

function FieldInput({
  field,
  value,
  error,
  onChange,
  disabled,
}: {
  field: Field;
  value: string | boolean | undefined;
  error: string | undefined;
  onChange(value: string | boolean): void;
  disabled?: boolean;
}) {
  const common = {
    id: `form-field-${field.id}`,
    name: field.id,
    label: field.label,
    description: field.help,
    placeholder: field.placeholder,
    required: field.required,
    error,
    disabled,
  };
  const text = typeof value === 'string' ? value : '';
  switch (field.kind) {
    case 'checkbox':
      return (
        <Checkbox
          id={common.id}
          name={common.name}
          label={field.label}
          description={field.help}
          error={error}
          disabled={disabled}
          checked={value === true}
          onChange={(e) => onChange(e.currentTarget.checked)}
        />
      );
    case 'select':
      return (
        <Select
          {...common}
          data={field.options}
          value={text === '' ? null : text}
          onChange={(v) => onChange(v ?? '')}
          clearable={!field.required}
        />
      );
    case 'textarea':
      return (
        <Textarea {...common} autosize minRows={3} value={text} onChange={(e) => onChange(e.currentTarget.value)} />
      );
    case 'list':
      return (
        <Textarea
          {...common}
          description={[field.help, 'One value per line'].filter(Boolean).join(' — ')}
          autosize
          minRows={2}
          value={text}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
    case 'password':
      return <PasswordInput {...common} value={text} onChange={(e) => onChange(e.currentTarget.value)} />;
    default:
      return (
        <TextInput
          {...common}
          type={field.kind === 'email' ? 'email' : field.kind === 'date' ? 'date' : 'text'}
          inputMode={field.kind === 'number' ? (field.integer ? 'numeric' : 'decimal') : undefined}
          value={text}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
  }
}
