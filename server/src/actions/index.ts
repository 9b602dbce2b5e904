import type { ActionType } from '../plugins/action.js';
import { httpActionTypes } from './http/index.js';
import { mqActionTypes } from './mq/index.js';
import { redisActionTypes } from './redis/index.js';
import { smtpActionTypes } from './smtp/index.js';
import { sqlActionTypes } from './sql/index.js';
import { dispatchEventAction } from './util/dispatch-event.js';
import { staticResponseAction } from './util/static-response.js';

/** The built-in action types, one line per type; families live in their own folders (sql/, http/, mq/, util/). */
// biome-ignore lint/suspicious/noExplicitAny: action types of every config shape
export const builtInActionTypes: ActionType<any>[] = [
  // util
  staticResponseAction,
  dispatchEventAction,
  ...sqlActionTypes,
  ...httpActionTypes,
  ...mqActionTypes,
  ...redisActionTypes,
  ...smtpActionTypes,
];
