import { IpcWindows, type TakeReply, type TakeRequest } from '../limits/ipc-store.js';
import type { ClusterMember } from '../runtime/cluster-member.js';
import { type IpcMessage, IpcPeer, type IpcPort } from './ipc.js';

export type { ClusterMember };

/** How long a worker waits for the primary before the rate limit failure policy applies. */
const callTimeoutMs = 2_000;
/** Collecting every worker's metrics takes a round trip to each: allow for a busy one. */
const metricsTimeoutMs = 5_000;

/** The IPC channel to the primary, as seen from a worker process. */
function primaryPort(): IpcPort {
  const send = process.send?.bind(process);
  if (!send) throw new Error('Not a cluster worker: there is no IPC channel to a primary');
  return {
    send: (message: IpcMessage) => send(message),
    on: (event, listener) => process.on(event, listener),
    off: (event, listener) => process.off(event, listener),
    get connected() {
      return process.connected;
    },
  };
}

export function joinCluster(workerId: number, port: IpcPort = primaryPort()): ClusterMember {
  let render: () => Promise<string> = async () => '';
  const peer = new IpcPeer(port, { render: () => render() });
  const rateWindows = new IpcWindows({
    get ready() {
      return peer.connected;
    },
    takeAll: (batch: TakeRequest[]) => peer.call<TakeReply[]>('rate', batch, callTimeoutMs),
  });
  return {
    workerId,
    rateWindows,
    clientErrors: {
      hit: (address, windowMs, max) => peer.call<boolean>('clientError', [address, windowMs, max], callTimeoutMs),
    },
    serveMetrics(renderer) {
      render = renderer;
    },
    metrics: () => peer.call<string>('metrics', null, metricsTimeoutMs),
    close: () => peer.close(),
  };
}
