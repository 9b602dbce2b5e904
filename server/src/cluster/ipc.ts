/**
 * Request and answer over a cluster IPC channel (a worker's `process`, or the primary's `Worker`): each
 * request carries an id, each answer the id it answers. Messages are marked so other IPC users are ignored.
 */

/** What travels between the primary and a worker. */
export type IpcMessage =
  | { portico: 'call'; id: number; method: string; params: unknown }
  | { portico: 'answer'; id: number; result?: unknown; error?: string };

/** The part of `process` (in a worker) or `cluster.Worker` (in the primary) used here. */
export interface IpcPort {
  send(message: IpcMessage): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  readonly connected: boolean;
}

export type IpcHandler = (params: unknown) => unknown;

export class IpcPeer {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }
  >();
  private readonly listener: (message: unknown) => void;

  constructor(
    private readonly port: IpcPort,
    private readonly handlers: Readonly<Record<string, IpcHandler>>,
  ) {
    this.listener = (message) => this.receive(message);
    port.on('message', this.listener);
  }

  get connected(): boolean {
    return this.port.connected;
  }

  /** Asks the other side; rejects when it does not answer within `timeoutMs` or the channel is gone. */
  call<T>(method: string, params: unknown, timeoutMs: number): Promise<T> {
    if (!this.port.connected) return Promise.reject(new Error('The cluster IPC channel is closed'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`No answer to ${method} over cluster IPC within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      try {
        this.port.send({ portico: 'call', id, method, params });
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  private receive(message: unknown): void {
    if (typeof message !== 'object' || message === null) return;
    const m = message as Partial<IpcMessage>;
    if (m.portico === 'answer' && typeof m.id === 'number') {
      const waiting = this.pending.get(m.id);
      if (!waiting) return;
      this.pending.delete(m.id);
      clearTimeout(waiting.timer);
      if ('error' in m && typeof m.error === 'string') waiting.reject(new Error(m.error));
      else waiting.resolve((m as { result?: unknown }).result);
      return;
    }
    if (m.portico === 'call' && typeof m.id === 'number' && typeof m.method === 'string') {
      const id = m.id;
      const handler = this.handlers[m.method];
      if (!handler) {
        this.answer({ portico: 'answer', id, error: `Unknown cluster IPC method ${m.method}` });
        return;
      }
      Promise.resolve()
        .then(() => handler((m as { params?: unknown }).params))
        .then(
          (result) => this.answer({ portico: 'answer', id, result }),
          (error: unknown) =>
            this.answer({ portico: 'answer', id, error: error instanceof Error ? error.message : String(error) }),
        );
    }
  }

  private answer(message: IpcMessage): void {
    // the other side may have exited meanwhile: nobody waits for this answer any more
    if (!this.port.connected) return;
    try {
      this.port.send(message);
    } catch {
      // same: the channel closed between the check and the send
    }
  }

  /** Stops listening and fails what is still waiting. */
  close(): void {
    this.port.off('message', this.listener);
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new Error('The cluster IPC channel was closed'));
      this.pending.delete(id);
    }
  }
}
