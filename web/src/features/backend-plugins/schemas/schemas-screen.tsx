import type { BackendSchema } from 'fusio-sdk';
import { EntityList } from '../components/entity-list';

/** Every schema: the shapes of request and response bodies. */
export default function SchemasScreen() {
  return (
    <EntityList<BackendSchema>
      title="Schemas"
      noun="schema"
      intro="A schema (JSON Schema) describes a request or response body: Portico checks incoming bodies against it and documents both in the API reference."
      load={(client, start, count, search) => client.backend().schema().getAll(start, count, search)}
      columns={[{ label: 'Name', cell: (s) => s.name }]}
      linkOf={(s) => `/schemas/${s.id}`}
      createTo="/schemas/new"
    />
  );
}
