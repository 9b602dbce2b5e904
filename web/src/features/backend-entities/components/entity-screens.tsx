import { Alert, Anchor, Breadcrumbs, Button, Group, Stack, Text, Title } from '@mantine/core';
import type { Client, CommonMessage } from 'fusio-sdk';
import { type ComponentType, type ReactNode, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { QueryView } from '../../../components/ui/query-view';
import { useDocumentTitle } from '../../../lib/branding';
import { useSession } from '../../../lib/session';
import { useApiQuery } from '../../../lib/use-api';
import { sortedPage } from '../lib/sources';
import { ConfirmDelete } from './confirm-delete';
import { EntityForm, type FieldSpec, type FormValues } from './entity-form';
import { type Column, EntityList, type Page, type PageRequest } from './entity-list';

export type FormMode = 'create' | 'edit';

/**
 * Everything the generic list, create and edit screens need to know about one backend entity. Each
 * entity of the admin app is one of these (entities/*.tsx); the screens do the rest.
 */
export interface EntityDefinition<T> {
  /** the route segment: `scopes` gives /scopes, /scopes/new and /scopes/:id */
  readonly path: string;
  /** in words: "scope", "identity provider" */
  readonly what: string;
  readonly plural: string;
  /** the navigation group it is listed under */
  readonly group: string;
  readonly intro?: ReactNode;
  list(client: Client, page: PageRequest): Promise<Page<T>>;
  /** the collection under /backend (`scope`): lists it in another order, which fusio-sdk cannot ask for */
  readonly api?: string;
  readonly columns: readonly Column<T>[];
  readonly searchLabel?: string;
  idOf(row: T): number | undefined;
  nameOf(row: T): string;
  get(client: Client, id: string): Promise<T>;
  fields(mode: FormMode, row?: T): readonly FieldSpec[];
  values(row?: T): FormValues;
  /** the API's body from the form's values */
  body(values: FormValues, mode: FormMode, row?: T): unknown;
  /** absent: the API has no create (or the admin app does not offer it) */
  create?(client: Client, body: never): Promise<CommonMessage>;
  update(client: Client, id: string, body: never): Promise<CommonMessage>;
  /** absent: the API has no delete */
  remove?(client: Client, id: string): Promise<CommonMessage>;
  /** what depends on a row, in words, for the delete confirmation */
  dependents?(client: Client, row: T, token: string): Promise<string[]>;
  /** what deleting does besides */
  consequence?: ReactNode;
  /** live warnings about the values (a rate that covers administrators) */
  warnings?(values: FormValues): ReactNode;
  /** the answer to a create, when it holds something shown once (an app's secret) */
  readonly Created?: ComponentType<{ answer: CommonMessage }>;
  /** buttons beside the title of the list (run all); `reload` loads the list again */
  readonly ListActions?: ComponentType<{ reload(): void }>;
  /** buttons beside the title of the edit screen (activate, resend) */
  readonly Actions?: ComponentType<{ row: T; reload(): void }>;
  /** more about the row under its form (deliveries, runs, tokens) */
  readonly Extra?: ComponentType<{ row: T; reload(): void }>;
  /** more form content (e.g. a config rendered from a class's form) */
  readonly formExtra?: (
    values: FormValues,
    set: (name: string, value: FormValues[string]) => void,
    mode: FormMode,
  ) => ReactNode;
  /** why a row may not be changed (a system scope), shown above its form */
  lockedBecause?(row: T): string | null;
}

type Flash = { flash?: string };

function Crumbs({ def, current }: { def: { path: string; plural: string }; current: string }) {
  return (
    <Breadcrumbs>
      <Anchor component={Link} to={`/${def.path}`}>
        {def.plural}
      </Anchor>
      <Text span>{current}</Text>
    </Breadcrumbs>
  );
}

function FlashMessage() {
  const location = useLocation();
  const flash = (location.state as Flash | null)?.flash;
  return flash ? (
    <Alert color="green" role="status">
      {flash}
    </Alert>
  ) : null;
}

const capital = (text: string) => `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}`;

export function EntityListScreen<T>({ def }: { def: EntityDefinition<T> }) {
  useDocumentTitle(def.plural);
  const { callWithToken } = useSession();
  const [generation, setGeneration] = useState(0);
  const { ListActions } = def;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>{def.plural}</Title>
        <Group>
          {ListActions ? <ListActions reload={() => setGeneration((g) => g + 1)} /> : null}
          {def.create ? (
            <Button component={Link} to={`/${def.path}/new`}>
              Create {def.what}
            </Button>
          ) : null}
        </Group>
      </Group>
      <FlashMessage />
      {def.intro ? <Text>{def.intro}</Text> : null}
      <EntityList<T>
        reloadKey={generation}
        load={(client, page) =>
          page.sortBy && def.api
            ? callWithToken((token) => sortedPage<T>(token, def.api as string, page))
            : def.list(client, page)
        }
        sortable={def.api !== undefined}
        columns={def.columns}
        linkTo={(row) => `/${def.path}/${def.idOf(row)}`}
        rowName={(row) => def.nameOf(row)}
        searchLabel={def.searchLabel ?? `Search ${def.plural.toLowerCase()}`}
        empty={`There are no ${def.plural.toLowerCase()} yet.`}
      />
    </Stack>
  );
}

export function EntityCreateScreen<T>({ def }: { def: EntityDefinition<T> }) {
  const title = `New ${def.what}`;
  useDocumentTitle(title);
  const navigate = useNavigate();
  const [answer, setAnswer] = useState<CommonMessage | null>(null);
  const { create, Created } = def;
  if (!create) return <Text>{capital(def.plural)} cannot be created here.</Text>;
  return (
    <Stack>
      <Crumbs def={def} current={title} />
      <Title order={1}>{title}</Title>
      {answer && Created ? (
        <Stack>
          <Alert color="green" role="status">
            {answer.message ?? `${capital(def.what)} created`}
          </Alert>
          <Created answer={answer} />
          <Group>
            <Button component={Link} to={`/${def.path}/${answer.id}`}>
              Open the {def.what}
            </Button>
          </Group>
        </Stack>
      ) : (
        <CreateForm
          def={def}
          create={create}
          onCreated={(created) => {
            if (Created) setAnswer(created);
            else
              navigate(`/${def.path}/${created.id}`, {
                state: { flash: created.message ?? `${capital(def.what)} created` },
              });
          }}
        />
      )}
    </Stack>
  );
}

function CreateForm<T>({
  def,
  create,
  onCreated,
}: {
  def: EntityDefinition<T>;
  create: NonNullable<EntityDefinition<T>['create']>;
  onCreated(answer: CommonMessage): void;
}) {
  const { call } = useSession();
  return (
    <EntityForm
      fields={def.fields('create')}
      initial={def.values()}
      submitLabel={`Create ${def.what}`}
      warnings={def.warnings}
      onSubmit={async (values) => {
        const answer = await call((client) => create(client, def.body(values, 'create') as never));
        onCreated(answer);
      }}
    >
      {def.formExtra ? (values, set) => def.formExtra?.(values, set, 'create') : undefined}
    </EntityForm>
  );
}

export function EntityEditScreen<T>({ def }: { def: EntityDefinition<T> }) {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const { call } = useSession();
  const row = useApiQuery((client) => def.get(client, id), [id]);
  const [saved, setSaved] = useState<string | null>(null);
  const name = row.state === 'ready' ? def.nameOf(row.value) : null;
  useDocumentTitle(name ? `${capital(def.what)} ${name}` : def.plural);
  const reload = () => {
    setSaved(null);
    row.reload();
  };
  return (
    <Stack>
      <Crumbs def={def} current={name ?? id} />
      <QueryView query={row}>
        {(value) => {
          const locked = def.lockedBecause?.(value) ?? null;
          const { Actions, Extra } = def;
          return (
            <Stack>
              <Group justify="space-between">
                <Title order={1}>
                  {capital(def.what)} {def.nameOf(value)}
                </Title>
                {Actions ? <Actions row={value} reload={reload} /> : null}
              </Group>
              {saved ? null : <FlashMessage />}
              {saved ? (
                <Alert
                  color="green"
                  role="status"
                  withCloseButton
                  onClose={() => setSaved(null)}
                  closeButtonLabel="Dismiss"
                >
                  {saved}
                </Alert>
              ) : null}
              {locked ? (
                <Alert color="gray" role="note">
                  {locked}
                </Alert>
              ) : null}
              <EntityForm
                // new values from the server (after activate, or another row) start the form afresh
                key={`${id}:${JSON.stringify(value)}`}
                fields={def.fields('edit', value)}
                initial={def.values(value)}
                submitLabel="Save changes"
                warnings={def.warnings}
                onSubmit={async (values) => {
                  setSaved(null);
                  const answer = await call((client) =>
                    def.update(client, id, def.body(values, 'edit', value) as never),
                  );
                  setSaved(answer.message ?? 'Saved');
                }}
              >
                {def.formExtra ? (values, set) => def.formExtra?.(values, set, 'edit') : undefined}
              </EntityForm>
              {Extra ? <Extra row={value} reload={reload} /> : null}
              {def.remove ? (
                <Group>
                  <ConfirmDelete
                    what={def.what}
                    name={def.nameOf(value)}
                    dependents={
                      def.dependents
                        ? (client, token) => def.dependents?.(client, value, token) ?? Promise.resolve([])
                        : undefined
                    }
                    consequence={def.consequence}
                    onDelete={(client) => def.remove?.(client, id) ?? Promise.reject(new Error('no delete'))}
                    onDeleted={() =>
                      navigate(`/${def.path}`, {
                        state: { flash: `${capital(def.what)} “${def.nameOf(value)}” deleted` },
                      })
                    }
                    label={`Delete ${def.what}`}
                  />
                </Group>
              ) : null}
            </Stack>
          );
        }}
      </QueryView>
    </Stack>
  );
}
