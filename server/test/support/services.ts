import net from 'node:net';

/**
 * Real services the tests talk to. A test that needs one skips with a clear message when it is not
 * running on a developer's machine, and fails when CI=true (CI must never silently skip).
 */
export const inCi = process.env.CI === 'true' || process.env.CI === '1';

export async function reachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Resolves to true when the service is up; otherwise skips (locally) or throws (in CI). */
export async function requireService(name: string, host: string, port: number): Promise<boolean> {
  if (await reachable(host, port)) return true;
  const message = `${name} is not reachable on ${host}:${port}`;
  if (inCi) throw new Error(`${message} — CI=true, so this is a failure, not a skip`);
  console.warn(`[skip] ${message}: its tests are skipped on this machine`);
  return false;
}
