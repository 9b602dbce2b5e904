import type { CommonMessage } from 'fusio-sdk';
import type { ActionResponse } from '../plugins/action.js';
import { response } from '../plugins/action.js';

/** Fusio's success answer: `{success: true, message, id}`. */
export function message(text: string, id?: number | string): CommonMessage {
  return id === undefined ? { success: true, message: text } : { success: true, message: text, id: String(id) };
}

export function created(text: string, id: number | string): ActionResponse {
  return response(201, message(text, id));
}
