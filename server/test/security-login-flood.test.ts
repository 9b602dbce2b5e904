import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';

const sqlite = (await systemDatabases()).find((d) => d.kind === 'sqlite');

describe.skipIf(!sqlite)('a flood of logins does not stall the server', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(sqlite as NonNullable<typeof sqlite>, { TRUST_PROXY: 'true' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers a request with a new valid token while 200 logins wait for password hashing', {
    timeout: 120_000,
  }, async () => {
    // issued now, first used during the flood: its signature is checked then, on the shared thread pool
    const token = await h.adminToken();
    let finished = 0;
    const flood = Array.from({ length: 200 }, async (_, i) => {
      const res = await h.fetch('/consumer/login', {
        method: 'POST',
        // every attempt from its own address on its own account: none is throttled, all are hashed
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.18.${i >> 8}.${i & 255}` },
        body: JSON.stringify({ username: `flood${i}`, password: 'not-the-password' }),
      });
      await res.arrayBuffer();
      finished += 1;
      return res.status;
    });
    // once hashing is under way, the other logins wait for it
    while (finished < 10) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = performance.now();
    const res = await h.fetch('/backend/user', { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    const elapsed = performance.now() - started;
    const finishedBefore = finished;
    const statuses = await Promise.all(flood);

    expect(res.status).toBe(200);
    // the token did not wait for the hashing: most logins were still queued when it was answered
    expect(finishedBefore).toBeLessThan(60);
    expect(statuses.every((s) => s === 400)).toBe(true);
    process.stdout.write(
      `a new token's first request during a flood of 200 logins: ${elapsed.toFixed(1)} ms (${finishedBefore} logins done by then)\n`,
    );
  });
});
