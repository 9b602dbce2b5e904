import type { RouteObject } from 'react-router';
import {
  EntityCreateScreen,
  type EntityDefinition,
  EntityEditScreen,
  EntityListScreen,
} from './components/entity-screens';
import { TrashScreen } from './components/trash-screen';
import { apps } from './entities/apps';
import { categories } from './entities/categories';
import { cronjobs, events, triggers, webhooks } from './entities/events';
import { firewall } from './entities/firewall';
import { forms } from './entities/forms';
import { identities } from './entities/identities';
import { operations } from './entities/operations';
import { plans } from './entities/plans';
import { rates } from './entities/rates';
import { roles } from './entities/roles';
import { scopes } from './entities/scopes';
import { taxonomies } from './entities/taxonomies';
import { tests } from './entities/tests';
import { users } from './entities/users';

// the order of the navigation within each group
// biome-ignore lint/suspicious/noExplicitAny: each definition has its own row type; the screens keep it
const definitions: EntityDefinition<any>[] = [
  operations,
  taxonomies,
  categories,
  tests,
  scopes,
  apps,
  users,
  roles,
  plans,
  rates,
  identities,
  events,
  webhooks,
  triggers,
  cronjobs,
  forms,
  firewall,
];

/** The admin app's entity screens: list, create and edit (with delete) of each, under the logged-in layout. */
export const entityRoutes: RouteObject[] = [
  ...definitions.flatMap((def) => [
    { path: def.path, element: <EntityListScreen def={def} /> },
    { path: `${def.path}/new`, element: <EntityCreateScreen def={def} /> },
    { path: `${def.path}/:id`, element: <EntityEditScreen def={def} /> },
  ]),
  { path: 'trash', element: <TrashScreen /> },
];

/** Their navigation entries; `group` is one of the admin app's navigation groups (API, Consumers, Events, Content, System). */
export const entityNav: { label: string; to: string; group: string }[] = [
  ...definitions.map((def) => ({ label: def.plural, to: `/${def.path}`, group: def.group })),
  { label: 'Trash', to: '/trash', group: 'System' },
];

export { ConfirmDelete } from './components/confirm-delete';
export { EntityForm, type FieldSpec, type FormValues } from './components/entity-form';
export { type Column, EntityList, type Page, type PageRequest } from './components/entity-list';
export type { EntityDefinition } from './components/entity-screens';
