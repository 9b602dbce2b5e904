import { Alert, Button, Group, Stack, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { type FormProblem, problemOf } from '../../../components/ui/form-helpers';
import { ScopePicker } from '../../scopes/components/scope-picker';

export interface AppValues {
  name: string;
  url: string;
  scopes: string[];
}

type Field = 'name' | 'url' | 'scopes';
const fields: Record<Field, RegExp> = { scopes: /scope/i, url: /url/i, name: /name/i };

/** Name, URL and scopes of an app; the API's refusal stands next to the field it is about. */
export function AppForm({
  initial,
  submitLabel,
  onSubmit,
}: {
  initial: AppValues;
  submitLabel: string;
  onSubmit(values: AppValues): Promise<void>;
}) {
  const [values, setValues] = useState(initial);
  const [problem, setProblem] = useState<FormProblem<Field> | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const missing: FormProblem<Field> | null = !values.name.trim()
      ? { field: 'name', message: 'Give the app a name' }
      : !/^https?:\/\/\S+$/.test(values.url.trim())
        ? { field: 'url', message: 'Enter the URL of your application (https://…)' }
        : null;
    setProblem(missing);
    if (missing) return;
    setBusy(true);
    try {
      await onSubmit({ ...values, name: values.name.trim(), url: values.url.trim() });
    } catch (error) {
      setProblem(problemOf(error, fields));
    } finally {
      setBusy(false);
    }
  }

  const errorOf = (field: Field) => (problem?.field === field ? problem.message : null);
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm" maw={640}>
        {problem && problem.field === null ? (
          <Alert color="red" role="alert">
            {problem.message}
          </Alert>
        ) : null}
        <TextInput
          label="Name"
          name="name"
          value={values.name}
          onChange={(e) => {
            const name = e.currentTarget.value;
            setValues((v) => ({ ...v, name }));
          }}
          error={errorOf('name')}
          required
        />
        <TextInput
          label="URL"
          name="url"
          type="url"
          description="Where your application lives; OAuth redirects go back to it"
          value={values.url}
          onChange={(e) => {
            const url = e.currentTarget.value;
            setValues((v) => ({ ...v, url }));
          }}
          error={errorOf('url')}
          required
        />
        <ScopePicker
          value={values.scopes}
          onChange={(scopes) => setValues((v) => ({ ...v, scopes }))}
          error={errorOf('scopes')}
        />
        <Group>
          <Button type="submit" loading={busy}>
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
