import { PorticoError, serviceUnavailable } from '../../errors.js';
import { type ActionResponse, response } from '../../plugins/action.js';

/** How long a publish may wait for the broker's acknowledgement before the caller gets a 504. */
export const publishTimeoutMs = 10_000;

/** 202: the broker has the message (confirmed, acknowledged or queued); the worker will do the rest. */
export function accepted(id: string): ActionResponse {
  return response(202, { success: true, message: 'Message successfully published', id });
}

/** The connection a publish action was given is not of the kind it needs: the action is misconfigured. */
export function wrongConnection(connection: string, kind: string): PorticoError {
  return serviceUnavailable(`Connection "${connection}" is not a ${kind} connection`);
}

/** A broker fault as a clean 503 (or the error itself when it already is a PorticoError). */
export function brokerFailure(what: string, error: unknown): PorticoError {
  if (error instanceof PorticoError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return serviceUnavailable(`${what}: ${reason}`, error);
}

/** Rejects with a 504 when the broker does not answer in time; the message may or may not have arrived. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new PorticoError('GATEWAY_TIMEOUT', `${what}: no acknowledgement within ${ms / 1000} s`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The `connection` property every publish action shares; `classes` limits the form's choice. */
export function connectionProperty(kind: string, classes: string[]): Record<string, unknown> {
  return {
    type: 'string',
    minLength: 1,
    title: 'Connection',
    description: `The ${kind} connection which should be used`,
    'x-form': 'connection',
    'x-connection-classes': classes,
  };
}
