import {
  Alert,
  Fieldset,
  Loader,
  PasswordInput,
  Select,
  Stack,
  Switch,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import type { BackendIdentity, CommonFormContainer } from 'fusio-sdk';
import { useApiQuery } from '../../../lib/use-api';
import type { FieldValue, FormValues } from '../components/entity-form';
import { appIds, appName, idText, idValue, roleIds, roleName, textValue } from '../lib/sources';
import { defineEntity, Mono, YesNo } from './common';

type Config = Record<string, unknown>;
type Element = NonNullable<CommonFormContainer['element']>[number] & { options?: { key?: string; value?: string }[] };

/** The provider's config, drawn from its class's `/form` (Fusio's form container), so a new class needs no code here. */
function ProviderConfig({
  className,
  value,
  onChange,
}: {
  className: string | null;
  value: Config;
  onChange(value: Config): void;
}) {
  const form = useApiQuery(
    (client) => (className ? client.backend().identity().getForm(className) : Promise.resolve({ element: [] })),
    [className],
  );
  if (!className) return null;
  if (form.state === 'loading') return <Loader size="sm" aria-label="Loading the provider's settings" />;
  if (form.state === 'error') {
    return (
      <Alert color="red" role="alert" title="The provider's settings could not be loaded">
        {form.message}
      </Alert>
    );
  }
  const elements = (form.value.element ?? []) as Element[];
  // Portico's form answer carries the class's JSON Schema too: it marks secrets and defaults
  const properties = ((form.value as { schema?: { properties?: Record<string, Record<string, unknown>> } }).schema
    ?.properties ?? {}) as Record<string, Record<string, unknown>>;
  const set = (name: string, next: unknown) => onChange({ ...value, [name]: next });
  return (
    <Fieldset legend="Provider settings">
      <Stack gap="sm">
        {elements.length === 0 ? <Text size="sm">This provider has nothing to configure.</Text> : null}
        {elements.map((e) => {
          const name = e.name ?? '';
          const label = e.title ?? name;
          const current = value[name];
          const text =
            typeof current === 'string' ? current : current === undefined || current === null ? '' : String(current);
          if (e.element === 'select' || e.type === 'select') {
            return (
              <Select
                key={name}
                label={label}
                description={e.help}
                data={(e.options ?? []).map((o) => ({ value: o.key ?? '', label: o.value ?? o.key ?? '' }))}
                value={text || null}
                onChange={(v) => set(name, v ?? '')}
              />
            );
          }
          if (e.element === 'checkbox' || e.type === 'checkbox') {
            return (
              <Switch
                key={name}
                label={label}
                description={e.help}
                checked={current === true}
                onChange={(ev) => set(name, ev.currentTarget.checked)}
              />
            );
          }
          if (e.element === 'textarea' || e.type === 'textarea') {
            return (
              <Textarea
                key={name}
                label={label}
                description={e.help}
                autosize
                minRows={3}
                value={text}
                onChange={(ev) => set(name, ev.currentTarget.value)}
              />
            );
          }
          const schema = properties[name] ?? {};
          const fallback = typeof schema.default === 'string' ? schema.default : undefined;
          if (schema['x-secret'] === true) {
            return (
              <PasswordInput
                key={name}
                label={label}
                description={e.help ? `${e.help} (stored encrypted; leave ******** to keep it)` : 'Stored encrypted'}
                value={text}
                autoComplete="new-password"
                onChange={(ev) => set(name, ev.currentTarget.value)}
              />
            );
          }
          return (
            <TextInput
              key={name}
              label={label}
              description={e.help ?? (fallback ? `Empty: ${fallback}` : undefined)}
              placeholder={fallback}
              value={text}
              autoComplete="off"
              onChange={(ev) => set(name, ev.currentTarget.value)}
            />
          );
        })}
      </Stack>
    </Fieldset>
  );
}

export const identities = defineEntity<BackendIdentity>({
  path: 'identities',
  api: 'identity',
  what: 'identity provider',
  plural: 'Identity providers',
  group: 'Consumers',
  intro: 'Identity providers let developers log in with an account elsewhere (GitHub, Google, OpenID Connect).',
  list: (c, p) => c.backend().identity().getAll(p.startIndex, p.count, p.search),
  columns: [
    { label: 'Name', render: (i) => i.name },
    { label: 'Class', render: (i) => <Mono>{i.class}</Mono> },
    { label: 'Creates users', render: (i) => <YesNo value={i.allowCreate} /> },
  ],
  idOf: (i) => i.id,
  nameOf: (i) => i.name ?? `#${i.id}`,
  get: (c, id) => c.backend().identity().get(id),
  fields: () => [
    { kind: 'text', name: 'name', label: 'Name', required: true, match: /identity name|identity already exists/i },
    {
      kind: 'select',
      name: 'class',
      label: 'Provider',
      options: async (client) =>
        ((await client.backend().identity().getClasses()).providers ?? []).map((p) => ({
          value: p.class ?? '',
          label: p.name ?? p.class ?? '',
        })),
      required: true,
      match: /class/i,
    },
    {
      kind: 'select',
      name: 'appId',
      label: 'App',
      description: 'The app developers log in to (the portal’s is “Developer”)',
      options: appIds,
      labelOf: appName,
      required: true,
      match: /app id/i,
    },
    {
      kind: 'select',
      name: 'roleId',
      label: 'Role of new users',
      options: roleIds,
      labelOf: roleName,
      clearable: true,
      match: /role/i,
    },
    {
      kind: 'text',
      name: 'icon',
      label: 'Icon',
      description: 'A short icon name shown on the login button',
      match: /icon/i,
    },
    { kind: 'switch', name: 'allowCreate', label: 'Create a user on the first login' },
  ],
  values: (i) => ({
    name: i?.name ?? '',
    class: i?.class ?? null,
    appId: idText(i?.appId),
    roleId: idText(i?.roleId),
    icon: i?.icon ?? '',
    allowCreate: i?.allowCreate ?? true,
    config: (i?.config ?? {}) as FieldValue,
  }),
  body: (v) => ({
    name: textValue(v.name),
    class: v.class,
    appId: idValue(v.appId) ?? undefined,
    roleId: idValue(v.roleId),
    icon: textValue(v.icon) ?? null,
    allowCreate: v.allowCreate === true,
    config: (v.config ?? {}) as Config,
  }),
  create: (c, body) => c.backend().identity().create(body),
  update: (c, id, body) => c.backend().identity().update(id, body),
  remove: (c, id) => c.backend().identity().delete(id),
  consequence: 'Accounts it created stay, but can no longer log in through it.',
  formExtra: (values: FormValues, set) => (
    <ProviderConfig
      className={typeof values.class === 'string' ? values.class : null}
      value={(values.config ?? {}) as Config}
      onChange={(next) => set('config', next as FieldValue)}
    />
  ),
});
