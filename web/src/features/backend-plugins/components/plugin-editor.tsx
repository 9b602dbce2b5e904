import { Button, Group, Loader, Select, Stack, Text, TextInput } from '@mantine/core';
import type { Client } from 'fusio-sdk';
import { type FormEvent, type ReactNode, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { PluginFormFields, type PluginFormSpec, usePluginForm } from '../../../components/plugin-form';
import { ConfirmButton } from '../../../components/ui/confirm-button';
import { errorMessage } from '../../../lib/api-client';
import { useSession } from '../../../lib/session';
import { useApiQuery } from '../../../lib/use-api';
import { Notice } from './screen-parts';

export interface PluginClass {
  name?: string;
  class?: string;
  description?: string;
}

export interface PluginEntity {
  name: string;
  class: string;
  config: Record<string, unknown>;
}

/**
 * Name, type and the type's own config form (from `/form`) of an action or a connection: create, edit,
 * delete. The API's refusals stand next to the field they name; what was typed stays.
 */
export function PluginEditor({
  noun,
  listPath,
  classes,
  initial,
  loadForm,
  save,
  remove,
  deleteWarning,
  test,
  children,
}: {
  /** "action", "connection" */
  noun: string;
  listPath: string;
  classes: PluginClass[];
  /** the stored entity; absent when a new one is made */
  initial?: PluginEntity & { id: number };
  loadForm(client: Client, className: string): Promise<PluginFormSpec>;
  /** creates or updates; answers the entity's id */
  save(client: Client, entity: PluginEntity): Promise<string | number | undefined>;
  remove?(client: Client): Promise<void>;
  deleteWarning?: string;
  /** tries the typed settings without saving them (connections) */
  test?(token: string, entity: PluginEntity): Promise<void>;
  children?: ReactNode;
}) {
  const { call, callWithToken } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [name, setName] = useState(initial?.name ?? '');
  const [className, setClassName] = useState<string | null>(initial?.class ?? null);
  const [nameError, setNameError] = useState<string | null>(null);
  const [classError, setClassError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>((location.state as { saved?: string } | null)?.saved ?? null);
  const [deleteProblem, setDeleteProblem] = useState<string | null>(null);
  const spec = useApiQuery((client) => (className ? loadForm(client, className) : Promise.resolve(null)), [className]);
  const form = usePluginForm(spec.state === 'ready' ? spec.value : null, initial?.config);
  const chosen = classes.find((c) => c.class === className);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(null);
    setNameError(name.trim() === '' ? `Give the ${noun} a name` : null);
    setClassError(className ? null : `Choose the type of ${noun}`);
    if (name.trim() === '' || !className) return;
    let id: string | number | undefined;
    const ok = await form.submit(
      async (config) => {
        id = await call((client) => save(client, { name: name.trim(), class: className, config }));
      },
      (message) => {
        if (/\bconfig\b/i.test(message)) return false;
        if (/\bname\b/i.test(message)) {
          setNameError(message);
          return true;
        }
        if (/\bclass\b/i.test(message)) {
          setClassError(message);
          return true;
        }
        return false;
      },
    );
    if (!ok) return;
    if (!initial && id !== undefined) {
      navigate(`${listPath}/${id}`, { state: { saved: `The ${noun} was created.` } });
    } else {
      setSaved(`The ${noun} was saved.`);
    }
  }

  async function tryIt() {
    setSaved(null);
    setClassError(className ? null : `Choose the type of ${noun}`);
    if (!className || !test) return;
    const ok = await form.submit((config) =>
      callWithToken((token) => test(token, { name: name.trim(), class: className, config })),
    );
    if (ok) setSaved(`The ${noun} works with these settings (nothing was saved).`);
  }

  return (
    <Stack gap="lg">
      <form onSubmit={submit} noValidate aria-label={initial ? `Edit ${noun}` : `New ${noun}`}>
        <Stack gap="sm" maw={760}>
          {saved ? <Notice tone="done">{saved}</Notice> : null}
          {form.problem ? <Notice tone="error">{form.problem}</Notice> : null}
          <TextInput
            label="Name"
            name="name"
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={nameError}
            description="Letters, digits, - and _"
          />
          <Select
            label={`${noun.charAt(0).toUpperCase()}${noun.slice(1)} type`}
            name="class"
            required
            searchable
            data={classes
              .filter((c) => c.class)
              .map((c) => ({
                value: c.class as string,
                label: c.name ? `${c.name} (${c.class})` : (c.class as string),
              }))}
            value={className}
            onChange={(v) => {
              setClassName(v);
              setClassError(null);
            }}
            error={classError}
            description={chosen?.description ?? `What kind of ${noun} this is; its settings follow.`}
            nothingFoundMessage="No type matches"
            placeholder="Choose a type"
          />
          {className ? (
            spec.state === 'loading' ? (
              <Loader aria-label="Loading the settings" size="sm" />
            ) : spec.state === 'error' ? (
              <Notice tone="error">{spec.message}</Notice>
            ) : (
              <fieldset style={{ border: 0, padding: 0, margin: 0 }}>
                <legend>
                  <Text fw={600} mb="xs">
                    Settings of {chosen?.name ?? 'this type'}
                  </Text>
                </legend>
                <PluginFormFields
                  fields={form.fields}
                  values={form.values}
                  onChange={form.setValues}
                  errors={form.errors}
                  disabled={form.busy}
                />
              </fieldset>
            )
          ) : null}
          <Group>
            <Button type="submit" loading={form.busy}>
              {initial ? 'Save' : `Create ${noun}`}
            </Button>
            {test ? (
              <Button variant="default" onClick={tryIt} disabled={form.busy || !className}>
                Test {noun}
              </Button>
            ) : null}
            {initial && remove ? (
              <ConfirmButton
                label={`Delete ${noun}`}
                title={`Delete the ${noun} ${initial.name}?`}
                message={deleteWarning ?? `The ${noun} ${initial.name} will be gone for good.`}
                confirmLabel={`Delete ${initial.name}`}
                onConfirm={async () => {
                  setDeleteProblem(null);
                  try {
                    await call((client) => remove(client));
                    navigate(listPath);
                  } catch (error) {
                    setDeleteProblem(errorMessage(error));
                  }
                }}
              />
            ) : null}
          </Group>
          {deleteProblem ? <Notice tone="error">{deleteProblem}</Notice> : null}
        </Stack>
      </form>
      {children}
    </Stack>
  );
}
