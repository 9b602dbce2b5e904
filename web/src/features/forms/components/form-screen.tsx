import { Alert, Button, Code, Group, Loader, Stack, Text, Title } from '@mantine/core';
import type { ConsumerForm } from 'fusio-sdk';
import { type FormEvent, useMemo, useState } from 'react';
import { useParams } from 'react-router';
import { useDocumentTitle } from '../../../lib/branding';
import { apiBaseUrl } from '../../../lib/runtime';
import { useSession } from '../../../lib/session';
import { getForm, type Submission, submitForm } from '../api/forms';
import { bodyOf, type FormSchema, fieldsOf, initialValues, nodesOf, type UiSchema, type Values } from '../model';
import { SchemaFields } from './schema-fields';
import { usePublic } from './use-public';

/** One form: fields built from the operation's incoming schema and the form's UI schema, and the answer. */
export function FormScreen() {
  const { formId = '' } = useParams();
  const form = usePublic(() => getForm(formId), [formId]);
  useDocumentTitle(form.state === 'ready' ? (form.value.name ?? null) : 'Form');
  if (form.state === 'loading') return <Loader aria-label="Loading" />;
  if (form.state === 'error') {
    return (
      <Alert color="red" role="alert" title={form.status === 404 ? 'Form not found' : 'The form could not be loaded'}>
        {form.status === 404 ? 'There is no form at this address.' : form.message}
      </Alert>
    );
  }
  return <FilledForm key={form.value.id} form={form.value} />;
}

function FilledForm({ form }: { form: ConsumerForm }) {
  const { session, callWithToken } = useSession();
  const nodes = useMemo(
    () => nodesOf((form.jsonSchema ?? {}) as FormSchema, (form.uiSchema ?? {}) as UiSchema),
    [form],
  );
  const fields = useMemo(() => fieldsOf(nodes), [nodes]);
  const [values, setValues] = useState<Values>(() => initialValues(fields));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<Submission | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  // the developer's token goes only to this installation's own API
  const sameApi = useMemo(() => {
    try {
      return new URL(form.action ?? '').origin === new URL(apiBaseUrl()).origin;
    } catch {
      return false;
    }
  }, [form.action]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const { body, errors: problems } = bodyOf(fields, values);
    setErrors(problems);
    setAnswer(null);
    setFailure(null);
    if (Object.keys(problems).length > 0) return;
    setBusy(true);
    try {
      const result =
        session && sameApi
          ? await callWithToken((token) => submitForm(form, body, token))
          : await submitForm(form, body, null);
      setAnswer(result);
    } catch {
      setFailure('The form could not be sent. Check your connection and try again.');
    } finally {
      setBusy(false);
    }
  }

  const ok = answer !== null && answer.status >= 200 && answer.status < 300;
  return (
    <Stack maw={720}>
      <Title order={1}>{form.name}</Title>
      {form.metadata?.description ? <Text>{form.metadata.description}</Text> : null}
      <form onSubmit={submit} noValidate aria-label={form.name}>
        <Stack>
          {fields.length === 0 ? <Text>This form sends no fields.</Text> : null}
          <SchemaFields
            nodes={nodes}
            values={values}
            errors={errors}
            disabled={busy}
            onChange={(id, value) => setValues((v) => ({ ...v, [id]: value }))}
          />
          <Group>
            <Button type="submit" loading={busy}>
              Send
            </Button>
            <Text size="sm" c="dimmed">
              {form.method} {form.action}
              {session && sameApi ? ' — sent with your login' : ''}
            </Text>
          </Group>
        </Stack>
      </form>
      {failure ? (
        <Alert color="red" role="alert" title="Not sent">
          {failure}
        </Alert>
      ) : null}
      {answer ? (
        <Alert
          color={ok ? 'green' : 'red'}
          role={ok ? 'status' : 'alert'}
          title={ok ? `Sent (${answer.status})` : `Refused (${answer.status})`}
        >
          <Code block>{answer.text}</Code>
        </Alert>
      ) : null}
    </Stack>
  );
}
