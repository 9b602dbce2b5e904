import type { ActionType } from '../../plugins/action.js';
import { sqlDeleteAction } from './delete.js';
import { sqlInsertAction } from './insert.js';
import { sqlQueryAllAction, sqlQueryRowAction } from './query.js';
import { sqlSelectAllAction } from './select-all.js';
import { sqlSelectRowAction } from './select-row.js';
import { sqlUpdateAction } from './update.js';

/** Fusio's SQL adapter actions: table CRUD and configured queries. */
// biome-ignore lint/suspicious/noExplicitAny: action types of every config shape
export const sqlActionTypes: ActionType<any>[] = [
  sqlSelectAllAction,
  sqlSelectRowAction,
  sqlInsertAction,
  sqlUpdateAction,
  sqlDeleteAction,
  sqlQueryAllAction,
  sqlQueryRowAction,
];
