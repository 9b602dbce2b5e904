import type { ActionType } from '../../plugins/action.js';
import { redisHashDeleteAction, redisHashGetAction, redisHashGetAllAction, redisHashSetAction } from './redis-hash.js';

/** Fusio's Redis hash actions: a hash as a small key-value resource. */
// biome-ignore lint/suspicious/noExplicitAny: action types of every config shape
export const redisActionTypes: ActionType<any>[] = [
  redisHashGetAction,
  redisHashGetAllAction,
  redisHashSetAction,
  redisHashDeleteAction,
];
