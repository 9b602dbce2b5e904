import type { RouteObject } from 'react-router';

/** The admin app's plugin screens (actions and connections from /form, generator, …): routes under the logged-in layout. */
export const pluginRoutes: RouteObject[] = [];

/** Their navigation entries; `group` is one of the admin app's navigation groups (API, Consumers, Events, Content, System). */
export const pluginNav: { label: string; to: string; group: string }[] = [];
