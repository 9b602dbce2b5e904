import { Anchor, Text, VisuallyHidden } from '@mantine/core';
import type { BackendConnection } from 'fusio-sdk';
import { Link } from 'react-router';
import { EntityList } from '../components/entity-list';
import { shortClass } from '../components/screen-parts';
import { isSqlConnection } from './sql-classes';

/** Every connection: the databases, HTTP APIs, queues and mail servers actions reach. */
export default function ConnectionsScreen() {
  return (
    <EntityList<BackendConnection>
      title="Connections"
      noun="connection"
      intro="A connection is how actions reach a system: a database, an upstream HTTP API, a queue, a mail server. Credentials are stored encrypted and never shown again."
      load={(client, start, count, search) => client.backend().connection().getAll(start, count, search)}
      columns={[
        { label: 'Name', cell: (c) => c.name },
        {
          label: 'Type',
          cell: (c) => (
            <Text size="sm" title={c.class}>
              {shortClass(c.class)}
            </Text>
          ),
        },
        {
          label: 'Database',
          cell: (c) =>
            isSqlConnection(c.class) ? (
              <Anchor component={Link} to={`/connections/${c.id}/database`} size="sm">
                Browse tables<VisuallyHidden> of {c.name}</VisuallyHidden>
              </Anchor>
            ) : null,
        },
      ]}
      linkOf={(c) => `/connections/${c.id}`}
      createTo="/connections/new"
    />
  );
}
