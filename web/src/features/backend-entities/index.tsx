import type { RouteObject } from 'react-router';

/** The admin app's entity screens (operations, actions, schemas, apps, users, …): routes under the logged-in layout. */
export const entityRoutes: RouteObject[] = [];

/** Their navigation entries; `group` is one of the admin app's navigation groups (API, Consumers, Events, Content, System). */
export const entityNav: { label: string; to: string; group: string }[] = [];
