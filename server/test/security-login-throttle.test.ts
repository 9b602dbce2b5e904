import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { freePort, type Harness, startHarness } from './support/harness.js';
import { startSecondNode } from './support/oauth-fixtures.js';
import { requireService } from './support/services.js';

const databases = await systemDatabases();
const postgres = databases.find((d) => d.kind === 'postgres');
const sqlite = databases.find((d) => d.kind === 'sqlite');
const redisUp = await requireService('Redis', '127.0.0.1', 6379);
const bin = path.resolve(import.meta.dirname, '../bin/portico.js');

/** A login at /consumer/login from a client address (TRUST_PROXY is on in these harnesses). */
async function login(h: Harness, username: string, password: string, ip: string): Promise<number> {
  const res = await h.fetch('/consumer/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify({ username, password }),
  });
  await res.arrayBuffer();
  return res.status;
}

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

async function newUser(h: Harness, name: string): Promise<{ name: string; password: string }> {
  const role = await h.portico.platform.db
    .selectFrom('roles')
    .select('id')
    .where('name', '=', 'Consumer')
    .executeTakeFirstOrThrow();
  const password = `${name}-right-password`;
  await h.admin
    .backend()
    .user()
    .create({ roleId: role.id, name, email: `${name}@example.com`, password });
  return { name, password };
}

const throttled = { TRUST_PROXY: 'true', LOGIN_TRUSTED_NETWORKS: '10.99.0.0/16' };
/**
 * Past its free attempts a key waits 1 s before the next one (accounts/throttle.ts): on a loaded machine a
 * burst can take longer than that, and the attempt after the wait is rightly let through. These stories
 * count attempts, not waits: the back-off here is ten minutes.
 */
const counting = { loginThrottlePolicy: { baseDelayMs: 10 * 60_000 } };

/**
 * These stories count the login throttle's answers alone: the firewall's automatic ban (32 client errors
 * from one address) would answer 403 first, so it is off here (written to the database without a login,
 * which would change what the throttle knows).
 */
async function throttleOnly(h: Harness): Promise<Harness> {
  await h.portico.platform.db
    .updateTable('config')
    .set({ value: '0' })
    .where('name', '=', 'firewall_max_retry')
    .execute();
  await h.portico.platform.settings.load();
  return h;
}

describe.each(databases)(
  'logins are throttled atomically, without locking the right people out ($kind)',
  (database) => {
    let h: Harness;

    beforeAll(async () => {
      h = await throttleOnly(await startHarness(database, throttled, counting));
    });
    afterAll(async () => {
      await h?.close();
    });

    it('gives a burst of 30 concurrent guesses five password checks in all, the right password included', async () => {
      const victim = await newUser(h, 'burstvictim');
      const burst = Array.from({ length: 30 }, (_, i) => login(h, victim.name, `wrong-${i}`, '203.0.113.10'));
      // the right password arrives while the wrong ones are still being hashed
      await new Promise((resolve) => setTimeout(resolve, 30));
      const right = await login(h, victim.name, victim.password, '203.0.113.10');
      const statuses = await Promise.all(burst);
      // the right one either came in time for one of the five checks, or waits its turn like the rest
      expect([200, 429]).toContain(right);
      expect(count(statuses, 400) + (right === 200 ? 1 : 0)).toBe(5);
      expect(count([...statuses, right], 429)).toBe(26);
    });

    it('counts an address across accounts the same way: 53 concurrent guesses on 53 accounts get 50', async () => {
      const statuses = await Promise.all(
        Array.from({ length: 53 }, (_, i) => login(h, `nobody${i}`, 'guess', '203.0.113.20')),
      );
      expect(count(statuses, 400)).toBe(50);
      expect(count(statuses, 429)).toBe(3);
    });

    it('lets the owner in from their own address while strangers keep failing on the account', async () => {
      const alice = await newUser(h, 'alicelock');
      for (let i = 0; i < 10; i++) await login(h, alice.name, 'wrong', '198.51.100.66');
      expect(await login(h, alice.name, 'wrong', '198.51.100.66')).toBe(429);
      expect(await login(h, alice.name, alice.password, '192.0.2.44')).toBe(200);
      // a right password gives the attempt back: the owner is not slowed down by their own logins
      for (let i = 0; i < 8; i++) expect(await login(h, alice.name, alice.password, '192.0.2.44')).toBe(200);
    });

    it('lets the administrator in behind an address that sprayed guesses, from a trusted network or a known address', async () => {
      const bob = await newUser(h, 'bobknown');
      expect(await login(h, bob.name, bob.password, '198.51.100.200')).toBe(200);
      await Promise.all(Array.from({ length: 51 }, (_, i) => login(h, `sprayed${i}`, 'guess', '10.99.1.1')));
      await Promise.all(Array.from({ length: 51 }, (_, i) => login(h, `sprayed${i}`, 'guess', '198.51.100.200')));
      // trusted network: only the administrator's own counter from there applies
      expect(await login(h, 'admin', 'correct-horse-battery', '10.99.1.1')).toBe(200);
      // an address the account has logged in from before: strangers' failures from there do not count
      expect(await login(h, bob.name, bob.password, '198.51.100.200')).toBe(200);
      // anybody else from the sprayed address is slowed down: one try a second at most, then two …
      const others = [];
      for (let i = 0; i < 5; i++) others.push(await login(h, `sprayed${i}`, 'guess', '198.51.100.200'));
      expect(count(others, 429)).toBeGreaterThanOrEqual(4);
    });
  },
);

describe.skipIf(!postgres)('two nodes on one database share the login counters', () => {
  let a: Harness;
  let b: Harness;

  beforeAll(async () => {
    a = await throttleOnly(await startHarness(postgres as NonNullable<typeof postgres>, throttled, counting));
    b = await startSecondNode(a, counting);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('allows five guesses in all, not five per node', async () => {
    const role = await a.portico.platform.db
      .selectFrom('roles')
      .select('id')
      .where('name', '=', 'Consumer')
      .executeTakeFirstOrThrow();
    await a.admin
      .backend()
      .user()
      .create({ roleId: role.id, name: 'shared', email: 'shared@example.com', password: 'shared-right-password' });
    // the second node has TRUST_PROXY off: it sees the address of the connection, 127.0.0.1
    for (let i = 0; i < 3; i++) expect(await login(a, 'shared', 'wrong', '127.0.0.1')).toBe(400);
    for (let i = 0; i < 2; i++) expect(await login(b, 'shared', 'wrong', '127.0.0.1')).toBe(400);
    expect(await login(a, 'shared', 'wrong', '127.0.0.1')).toBe(429);
    expect(await login(b, 'shared', 'wrong', '127.0.0.1')).toBe(429);
  });

  it('lets an operator unlock an account from the command line', async () => {
    const role = await a.portico.platform.db
      .selectFrom('roles')
      .select('id')
      .where('name', '=', 'Consumer')
      .executeTakeFirstOrThrow();
    await a.admin
      .backend()
      .user()
      .create({ roleId: role.id, name: 'locked', email: 'locked@example.com', password: 'locked-right-password' });
    for (let i = 0; i < 6; i++) await login(a, 'locked', 'wrong', '127.0.0.1');
    expect(await login(a, 'locked', 'locked-right-password', '127.0.0.1')).toBe(429);
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'user', 'unlock', 'locked@example.com'], {
      env: {
        ...process.env,
        DATABASE_URL: a.databaseUrl,
        LOG_LEVEL: 'warn',
        PORTICO_SECRET_KEY: 'test-secret-key-0123456789',
        PORTICO_DATA_DIR: os.tmpdir(),
      },
      timeout: 60_000,
    });
    expect(stdout).toContain('Unlocked locked');
    expect(await login(a, 'locked', 'locked-right-password', '127.0.0.1')).toBe(200);
  });
});

describe.skipIf(!redisUp || !sqlite)('with Redis, the counters live there', () => {
  let h: Harness;
  // Redis outlives test runs, and user ids start at 1 in every fresh database
  const prefix = `portico-test-${process.pid}-${Date.now()}:`;

  beforeAll(async () => {
    h = await throttleOnly(
      await startHarness(
        sqlite as NonNullable<typeof sqlite>,
        {
          ...throttled,
          REDIS_URL: 'redis://127.0.0.1:6379',
          RATE_LIMIT_REDIS_PREFIX: prefix,
        },
        counting,
      ),
    );
  });
  afterAll(async () => {
    await h?.close();
    const redis = new Redis('redis://127.0.0.1:6379');
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('gives a concurrent burst five guesses', async () => {
    // Redis outlives test runs: an account and addresses of this run only
    const victim = await newUser(h, `redisvictim${Date.now()}`);
    const octet = () => Math.floor(Math.random() * 250) + 1;
    const attacker = `100.64.${octet()}.${octet()}`;
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => login(h, victim.name, `wrong-${i}`, attacker)),
    );
    expect(count(statuses, 400)).toBe(5);
    expect(await login(h, victim.name, victim.password, `100.65.${octet()}.${octet()}`)).toBe(200);
    const keys = await h.portico.platform.db.selectFrom('login_throttle').select('key').execute();
    expect(keys).toHaveLength(0);
  });
});

describe.skipIf(!sqlite)('with Redis down, logins keep working and stay throttled', () => {
  let h: Harness;

  beforeAll(async () => {
    const closed = await freePort();
    h = await throttleOnly(
      await startHarness(
        sqlite as NonNullable<typeof sqlite>,
        { ...throttled, REDIS_URL: `redis://127.0.0.1:${closed}` },
        counting,
      ),
    );
  });
  afterAll(async () => {
    await h?.close();
  });

  it('counts in the system database instead', async () => {
    const victim = await newUser(h, 'fallbackvictim');
    const statuses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => login(h, victim.name, `wrong-${i}`, '203.0.113.40')),
    );
    expect(count(statuses, 400)).toBe(5);
    expect(count(statuses, 429)).toBe(7);
    expect(await login(h, victim.name, victim.password, '203.0.113.41')).toBe(200);
  });
});
