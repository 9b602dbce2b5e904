import type { ActionType } from '../../plugins/action.js';
import { smtpSendAction } from './smtp-send.js';

/** Mail through an SMTP server. */
// biome-ignore lint/suspicious/noExplicitAny: action types of every config shape
export const smtpActionTypes: ActionType<any>[] = [smtpSendAction];
