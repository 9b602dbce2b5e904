import net from 'node:net';

/**
 * A TCP proxy in front of a real broker, so a test can take "the broker" away and bring it back
 * without touching the shared service: `down()` refuses new connections and drops the open ones,
 * `cut()` drops the open ones only (a lost socket), `up()` accepts again on the same port.
 */
export interface TcpProxy {
  readonly port: number;
  /** the local ports of the proxy's own connections to the broker, as the broker sees its peers */
  upstreamPorts(): number[];
  down(): Promise<void>;
  cut(): void;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(host: string, port: number): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host, port });
    const pair = { client, upstream };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const listen = (at: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const address = server.address();
  const proxyPort = typeof address === 'object' && address ? address.port : 0;
  const cut = () => {
    for (const pair of pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    pairs.clear();
  };
  return {
    port: proxyPort,
    upstreamPorts: () => [...pairs].map((p) => p.upstream.localPort).filter((p): p is number => p !== undefined),
    cut,
    async down() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      cut();
      await closed;
    },
    async up() {
      if (!server.listening) await listen(proxyPort);
    },
    async close() {
      cut();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
