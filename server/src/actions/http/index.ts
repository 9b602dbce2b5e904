import type { ActionType } from '../../plugins/action.js';
import { httpCompositionAction } from './composition.js';
import { httpLoadBalancerAction } from './load-balancer.js';
import { httpProcessorAction } from './processor.js';
import { httpRawAction } from './raw.js';

/** The HTTP family: forward, fan out, balance, or send a request built from templates. */
// biome-ignore lint/suspicious/noExplicitAny: action types of every config shape
export const httpActionTypes: ActionType<any>[] = [
  httpProcessorAction,
  httpCompositionAction,
  httpLoadBalancerAction,
  httpRawAction,
];
