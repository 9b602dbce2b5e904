import { Text } from '@mantine/core';
import type { BackendAction } from 'fusio-sdk';
import { EntityList } from '../components/entity-list';
import { shortClass } from '../components/screen-parts';

/** Every action: what an operation runs. */
export default function ActionsScreen() {
  return (
    <EntityList<BackendAction>
      title="Actions"
      noun="action"
      intro="An action is what an operation runs: a SQL query, a call to an upstream HTTP API, a message to a queue, a fixed answer."
      load={(client, start, count, search) => client.backend().action().getAll(start, count, search)}
      columns={[
        { label: 'Name', cell: (a) => a.name },
        {
          label: 'Type',
          cell: (a) => (
            <Text size="sm" title={a.class}>
              {shortClass(a.class)}
            </Text>
          ),
        },
      ]}
      linkOf={(a) => `/actions/${a.id}`}
      createTo="/actions/new"
    />
  );
}
