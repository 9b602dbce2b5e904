import { Button, Group, PasswordInput, Stack, Switch, Tabs, Text, Textarea, TextInput, Title } from '@mantine/core';
import type { BackendConfig } from 'fusio-sdk';
import { type FormEvent, useState } from 'react';
import { secretMask } from '../../../components/plugin-form';
import { QueryView } from '../../../components/ui/query-view';
import { errorMessage } from '../../../lib/api-client';
import { useDocumentTitle } from '../../../lib/branding';
import { useSession } from '../../../lib/session';
import { useApiQuery } from '../../../lib/use-api';
import { Notice } from '../components/screen-parts';

/** Portico's config types (server/src/settings/settings.ts ConfigType). */
const ConfigType = { string: 1, boolean: 2, number: 3, datetime: 4, email: 5, text: 6, secret: 7 } as const;

const groups: { key: string; label: string; intro: string; has(name: string): boolean }[] = [
  {
    key: 'branding',
    label: 'Branding',
    intro: 'How the developer portal looks and what the API documentation says about the API.',
    has: (n) => n.startsWith('portal_') || n.startsWith('info_'),
  },
  {
    key: 'mail',
    label: 'Mail',
    intro: 'The mails Portico sends. Placeholders in braces are filled in when a mail is sent.',
    has: (n) => n.startsWith('mail_') || n === 'system_mailer',
  },
  {
    key: 'captcha',
    label: 'Captcha',
    intro: 'reCAPTCHA on sign-up: with a key and a secret, the portal asks for it.',
    has: (n) => n.startsWith('recaptcha_'),
  },
  {
    key: 'payments',
    label: 'Payments',
    intro: 'Stripe, for plans that cost money.',
    has: (n) => n.startsWith('payment_'),
  },
];
const others = { key: 'others', label: 'Others', intro: 'Accounts, apps, tokens, points and the rest.' };

function groupOf(name: string): string {
  return groups.find((g) => g.has(name))?.key ?? others.key;
}

/** Words from a key: `portal_primary_color` → "Portal primary color". */
function labelOf(name: string): string {
  const words = name.replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

type Draft = Record<string, string | boolean>;

function draftOf(config: BackendConfig): string | boolean {
  if (config.type === ConfigType.boolean) return config.value === true;
  return config.value === undefined || config.value === null ? '' : String(config.value);
}

/** The installation's settings, grouped; each typed by its kind, saved group by group. */
export default function ConfigScreen() {
  useDocumentTitle('Configuration');
  const [round, setRound] = useState(0);
  const configs = useApiQuery(async (client) => (await client.backend().config().getAll(0, 1024)).entry ?? [], [round]);
  return (
    <Stack>
      <Title order={1}>Configuration</Title>
      <QueryView query={configs}>
        {(list) => (
          <Tabs defaultValue="branding">
            <Tabs.List>
              {[...groups, others].map((g) => (
                <Tabs.Tab key={g.key} value={g.key}>
                  {g.label}
                </Tabs.Tab>
              ))}
            </Tabs.List>
            {[...groups, others].map((g) => (
              <Tabs.Panel key={g.key} value={g.key} pt="md">
                <ConfigGroup
                  label={g.label}
                  intro={g.intro}
                  configs={list
                    .filter((c) => groupOf(c.name ?? '') === g.key)
                    .sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''))}
                  onSaved={() => setRound((r) => r + 1)}
                />
              </Tabs.Panel>
            ))}
          </Tabs>
        )}
      </QueryView>
    </Stack>
  );
}

function ConfigGroup({
  label,
  intro,
  configs,
  onSaved,
}: {
  label: string;
  intro: string;
  configs: BackendConfig[];
  onSaved(): void;
}) {
  const { call } = useSession();
  const initial: Draft = Object.fromEntries(configs.map((c) => [c.name ?? '', draftOf(c)]));
  const [draft, setDraft] = useState<Draft>(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const changed = configs.filter((c) => draft[c.name ?? ''] !== initial[c.name ?? '']);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(null);
    const found: Record<string, string> = {};
    const done: string[] = [];
    setBusy(true);
    for (const config of changed) {
      const name = config.name ?? '';
      const raw = draft[name];
      let value: unknown = raw;
      if (config.type === ConfigType.number) {
        const n = Number(String(raw).trim());
        if (String(raw).trim() === '' || !Number.isFinite(n)) {
          found[name] = 'Enter a number';
          continue;
        }
        value = n;
      }
      try {
        await call((client) =>
          client
            .backend()
            .config()
            .update(String(config.id ?? name), { value }),
        );
        done.push(labelOf(name));
      } catch (error) {
        found[name] = errorMessage(error);
      }
    }
    setBusy(false);
    setErrors(found);
    if (done.length > 0) {
      setSaved(`Saved: ${done.join(', ')}.`);
      // what failed stays as typed; what was saved is read back
      if (Object.keys(found).length === 0) onSaved();
    }
  }

  if (configs.length === 0) return <Text>Nothing to set here.</Text>;
  return (
    <form onSubmit={submit} noValidate aria-label={`${label} settings`}>
      <Stack gap="sm" maw={760}>
        <Text>{intro}</Text>
        {saved ? <Notice tone="done">{saved}</Notice> : null}
        {configs.map((config) => (
          <ConfigField
            key={config.name}
            config={config}
            value={draft[config.name ?? ''] ?? ''}
            error={errors[config.name ?? '']}
            onChange={(v) => setDraft((d) => ({ ...d, [config.name ?? '']: v }))}
          />
        ))}
        <Group>
          <Button type="submit" loading={busy} disabled={changed.length === 0}>
            Save changes{changed.length > 0 ? ` (${changed.length})` : ''}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function ConfigField({
  config,
  value,
  error,
  onChange,
}: {
  config: BackendConfig;
  value: string | boolean;
  error: string | undefined;
  onChange(value: string | boolean): void;
}) {
  const name = config.name ?? '';
  const common = {
    label: labelOf(name),
    name,
    description: config.description ? `${config.description} (${name})` : name,
    error: error ?? null,
  };
  const text = typeof value === 'string' ? value : '';
  switch (config.type) {
    case ConfigType.boolean:
      return (
        <Switch
          label={common.label}
          name={name}
          description={common.description}
          error={common.error}
          checked={value === true}
          onChange={(e) => onChange(e.currentTarget.checked)}
        />
      );
    case ConfigType.text:
      return (
        <Textarea
          {...common}
          value={text}
          onChange={(e) => onChange(e.currentTarget.value)}
          autosize
          minRows={3}
          maxRows={16}
        />
      );
    case ConfigType.secret:
      return (
        <PasswordInput
          {...common}
          description={
            text === secretMask ? `${common.description}. Stored; type a new one to replace it.` : common.description
          }
          autoComplete="new-password"
          value={text}
          onChange={(e) => onChange(e.currentTarget.value)}
          visibilityToggleButtonProps={{ 'aria-label': `Show ${common.label}` }}
        />
      );
    case ConfigType.number:
      return (
        <TextInput {...common} inputMode="decimal" value={text} onChange={(e) => onChange(e.currentTarget.value)} />
      );
    case ConfigType.email:
      return <TextInput {...common} type="email" value={text} onChange={(e) => onChange(e.currentTarget.value)} />;
    default:
      return <TextInput {...common} value={text} onChange={(e) => onChange(e.currentTarget.value)} />;
  }
}
