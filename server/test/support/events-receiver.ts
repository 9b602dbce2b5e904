import http from 'node:http';

export interface ReceivedHook {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
  /** the status it was answered with; undefined while held or when the connection was dropped */
  status: number | undefined;
}

/** What the receiver does with a request: answer with a status (after an optional delay) or never answer. */
export type Answer = number | { status: number; delayMs?: number; body?: string } | 'hang';

export interface Receiver {
  readonly url: string;
  readonly port: number;
  readonly received: ReceivedHook[];
  /** decides the answer per request; default 200 */
  answer: (hook: ReceivedHook) => Answer;
  /** resolves once `predicate` holds for what was received */
  waitFor(predicate: (received: ReceivedHook[]) => boolean, timeoutMs?: number): Promise<void>;
  /** drops held connections */
  releaseHeld(): void;
  close(): Promise<void>;
}

/** A webhook receiver on 127.0.0.1 that records every request with its raw body. */
export async function startReceiver(port = 0): Promise<Receiver> {
  const received: ReceivedHook[] = [];
  const held = new Set<http.ServerResponse>();
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const receiver: Receiver = {
    url: '',
    port: 0,
    received,
    answer: () => 200,
    waitFor(predicate, timeoutMs = 10_000) {
      if (predicate(received)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(received)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver: condition not met within ${timeoutMs} ms (${received.length} received)`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    releaseHeld() {
      for (const res of held) res.destroy();
      held.clear();
    },
    close() {
      receiver.releaseHeld();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const hook: ReceivedHook = {
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
        status: undefined,
      };
      received.push(hook);
      const answer = receiver.answer(hook);
      if (answer === 'hang') {
        held.add(res);
        res.on('close', () => held.delete(res));
        notify();
        return;
      }
      const { status, delayMs, body } =
        typeof answer === 'number' ? { status: answer, delayMs: 0, body: undefined } : answer;
      const send = () => {
        if (res.destroyed) return;
        hook.status = status;
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(body ?? `answered ${status}`);
        notify();
      };
      if (delayMs) setTimeout(send, delayMs);
      else send();
      notify();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : 0;
  Object.assign(receiver, { url: `http://127.0.0.1:${bound}`, port: bound });
  return receiver;
}

/** The `webhook-id` of a received request. */
export function hookId(hook: ReceivedHook): string {
  return String(hook.headers['webhook-id']);
}
