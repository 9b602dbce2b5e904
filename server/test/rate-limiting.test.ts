import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import {
  appToken,
  bearer,
  call,
  clientCredentials,
  createRate,
  type Outcome,
  policyOf,
  publicOperation,
  sleep,
} from './support/rate-helpers.js';

const [sqlite] = (await systemDatabases()).filter((d) => d.kind === 'sqlite');

/** Anonymous callers are told apart by IP: X-Forwarded-For is trusted here, so each test uses its own. */
const from = (ip: string, init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { ...(init.headers as Record<string, string>), 'x-forwarded-for': ip },
});

const statuses = (outcomes: Outcome[]) => outcomes.map((o) => o.status);

describe('rate limits in one process (counted in memory)', () => {
  let h: Harness;
  let pingId: number;
  let pongId: number;

  beforeAll(async () => {
    h = await startHarness(sqlite!, { TRUST_PROXY: 'true' });
    pingId = await publicOperation(h, 'rate.ping', '/rate/ping');
    pongId = await publicOperation(h, 'rate.pong', '/rate/pong');
    // these stories read the rate's name from RateLimit-Policy: every header family on
    await setRateHeaders('all');
  });
  afterAll(async () => {
    await h?.close();
  });

  const setRateHeaders = (value: string) =>
    h.admin
      .backend()
      .config()
      .update('~rate_limit_headers', { value } as never);

  it('sends what Fusio sends by default, and the other forms when the setting asks for them', async () => {
    const families = (o: Outcome) =>
      [
        'ratelimit-limit',
        'ratelimit-remaining',
        'ratelimit-policy',
        'ratelimit',
        'x-ratelimit-limit',
        'x-ratelimit-remaining',
      ]
        .filter((name) => o.headers.get(name) !== null)
        .join(' ');
    const config = h.admin.backend().config();
    expect((await config.get('~rate_limit_headers')).value).toBe('all');
    await config.update('~rate_limit_headers', { value: 'fusio' } as never);
    const fusio = await call(h, '/rate/ping', from('10.0.9.1'));
    expect(families(fusio)).toBe('ratelimit-limit ratelimit-remaining');
    expect(fusio.headers.get('ratelimit-limit')).toBe('900');
    expect(fusio.headers.get('ratelimit-remaining')).toBe('899');
    // a browser script may read what is sent, and is not told of what is not
    const exposed = (
      await call(h, '/rate/ping', from('10.0.9.2', { headers: { origin: 'https://app.example' } }))
    ).headers.get('access-control-expose-headers');
    expect(exposed).toContain('RateLimit-Remaining');
    expect(exposed).not.toContain('RateLimit-Policy');
    await config.update('~rate_limit_headers', { value: 'ietf' } as never);
    const ietf = await call(h, '/rate/ping', from('10.0.9.1'));
    expect(families(ietf)).toBe('ratelimit-policy ratelimit');
    expect(ietf.headers.get('ratelimit')).toMatch(/^"Default-Anonymous";r=898;t=36\d\d$/);
    // a value the gateway does not know is refused, naming the setting, and nothing changes
    const refused = await h.fetch(`/backend/config/~rate_limit_headers`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${await h.adminToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ value: 'some' }),
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toMatch(/rate_limit_headers must be one of/);
    expect(families(await call(h, '/rate/ping', from('10.0.9.1')))).toBe('ratelimit-policy ratelimit');
    await config.update('~rate_limit_headers', { value: 'all' } as never);
    expect(families(await call(h, '/rate/ping', from('10.0.9.1')))).toBe(
      'ratelimit-limit ratelimit-remaining ratelimit-policy ratelimit x-ratelimit-limit x-ratelimit-remaining',
    );
  });

  it('limits with Fusio’s defaults and puts the headers on every limited response', async () => {
    expect(h.portico.platform.rateLimits.store).toBe('memory');
    const anonymous = await call(h, '/rate/ping', from('10.0.0.1'));
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers.get('ratelimit-policy')).toBe('"Default-Anonymous";q=900;w=3600');
    expect(anonymous.headers.get('ratelimit')).toMatch(/^"Default-Anonymous";r=899;t=(3600|3660|36\d\d)$/);
    expect(anonymous.headers.get('x-ratelimit-limit')).toBe('900');
    expect(anonymous.headers.get('x-ratelimit-remaining')).toBe('899');
    expect(anonymous.headers.get('ratelimit-limit')).toBe('900');
    expect(anonymous.headers.get('ratelimit-remaining')).toBe('899');

    const token = await h.adminToken();
    const admin = await call(h, '/rate/ping', bearer(token));
    expect(admin.headers.get('ratelimit-policy')).toBe('"Default";q=3600;w=3600');
    // the admin's backend calls are never counted (docs/rate-limits.md): this is their first limited call
    expect(Number(admin.headers.get('x-ratelimit-remaining'))).toBe(3599);
    // the backend API is not limited for a token: no rate headers, not even on a refused body…
    const invalid = await call(h, '/backend/rate', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"name":"x"}',
    });
    expect(invalid.status).toBe(400);
    expect(policyOf(invalid)).toBeNull();
    // …and it did not count
    const again = await call(h, '/rate/ping', bearer(token));
    expect(Number(again.headers.get('x-ratelimit-remaining'))).toBe(3598);
    // no operation, no rate
    const unknown = await call(h, '/rate/nowhere', from('10.0.0.1'));
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('ratelimit-policy')).toBeNull();
  });

  it('lets exactly the limit through when requests arrive at once, and answers the rest like Fusio', async () => {
    const rateId = await createRate(h, {
      name: 'Burst',
      priority: 50,
      rateLimit: 7,
      timespan: 'PT30S',
      allocation: [{ operationId: pingId }],
    });
    const outcomes = await Promise.all(Array.from({ length: 40 }, () => call(h, '/rate/ping', from('10.0.1.1'))));
    expect(statuses(outcomes).filter((s) => s === 200)).toHaveLength(7);
    expect(statuses(outcomes).filter((s) => s === 429)).toHaveLength(33);
    const refused = outcomes.find((o) => o.status === 429) as Outcome;
    expect(refused.body).toEqual({ success: false, title: 'Too Many Requests', message: 'Rate limit exceeded' });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(29);
    expect(retryAfter).toBeLessThanOrEqual(31);
    expect(refused.headers.get('ratelimit-policy')).toBe('"Burst";q=7;w=30');
    expect(refused.headers.get('ratelimit')).toBe(`"Burst";r=0;t=${retryAfter}`);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    const remaining = outcomes
      .filter((o) => o.status === 200)
      .map((o) => Number(o.headers.get('x-ratelimit-remaining')))
      .sort();
    expect(remaining).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // other callers and other operations are not affected
    expect((await call(h, '/rate/ping', from('10.0.1.2'))).status).toBe(200);
    expect(policyOf(await call(h, '/rate/pong', from('10.0.1.1')))).toBe('Default-Anonymous');
    await h.admin.backend().rate().delete(String(rateId));
  });

  it('does not count refused calls: after the window the whole allowance is back', async () => {
    const rateId = await createRate(h, {
      name: 'Recover',
      priority: 50,
      rateLimit: 3,
      timespan: 'PT1S',
      allocation: [{ operationId: pingId }],
    });
    const ip = from('10.0.2.1');
    const first = await Promise.all(Array.from({ length: 3 }, () => call(h, '/rate/ping', ip)));
    expect(statuses(first)).toEqual([200, 200, 200]);
    // keep knocking while refused, for most of the window
    const started = Date.now();
    let refused = 0;
    while (Date.now() - started < 700) {
      if ((await call(h, '/rate/ping', ip)).status === 429) refused++;
      await sleep(20);
    }
    expect(refused).toBeGreaterThan(10);
    // the window (plus one sub-window) after the first calls, all three are back at once
    await sleep(1000 + 1000 / 60 - (Date.now() - started) + 50);
    const again = await Promise.all(Array.from({ length: 4 }, () => call(h, '/rate/ping', ip)));
    expect(statuses(again).sort()).toEqual([200, 200, 200, 429]);
    await h.admin.backend().rate().delete(String(rateId));
  });

  it('never lets more than the limit through in any window-long interval, across window boundaries', async () => {
    const limit = 5;
    const windowMs = 1000;
    const rateId = await createRate(h, {
      name: 'Boundary',
      priority: 50,
      rateLimit: limit,
      timespan: 'PT1S',
      allocation: [{ operationId: pingId }],
    });
    const ip = from('10.0.3.1');
    const outcomes: Outcome[] = [];
    const started = performance.now();
    while (performance.now() - started < 3 * windowMs) {
      outcomes.push(await call(h, '/rate/ping', ip));
      await sleep(15);
    }
    const admitted = outcomes.filter((o) => o.status === 200);
    // every admitted call was decided between its send and its receive: a group of calls sent after
    // admitted[i] was sent and received before admitted[i].sent + W certainly fell into one window
    for (let i = 0; i < admitted.length; i++) {
      const start = (admitted[i] as Outcome).sent;
      const inside = admitted.filter((o) => o.sent >= start && o.received < start + windowMs);
      expect(inside.length).toBeLessThanOrEqual(limit);
    }
    // and the allowance is not lost: about one limit per window over three windows
    expect(admitted.length).toBeGreaterThanOrEqual(2 * limit);
    expect(admitted.length).toBeLessThanOrEqual(3 * limit);
    await h.admin.backend().rate().delete(String(rateId));
  });

  it('counts per caller across all operations the rate covers', async () => {
    const rateId = await createRate(h, {
      name: 'Shared',
      priority: 50,
      rateLimit: 4,
      timespan: 'PT30S',
      allocation: [{ authenticated: false }],
    });
    const ip = from('10.0.4.1');
    const outcomes = [
      await call(h, '/rate/ping', ip),
      await call(h, '/rate/pong', ip),
      await call(h, '/rate/ping', ip),
      await call(h, '/rate/pong', ip),
      await call(h, '/rate/pong', ip),
      await call(h, '/rate/ping', ip),
    ];
    expect(statuses(outcomes)).toEqual([200, 200, 200, 200, 429, 429]);
    expect((await call(h, '/rate/pong', from('10.0.4.2'))).status).toBe(200);
    await h.admin.backend().rate().delete(String(rateId));
  });

  it('selects the rate by priority and allocation: anonymous, authenticated, operation, app, user, plan', async () => {
    const me = await h.admin.authorization().getWhoami();
    const adminToken = await h.adminToken();
    const app = await appToken(h, Number(me.id), 'Rate-Client');
    const role = (await h.admin.backend().role().getAll(0, 16, 'Consumer')).entry?.[0];
    const user = await h.admin.backend().user().create({
      roleId: role?.id,
      name: 'rate-user',
      email: 'rate-user@example.com',
      password: 'rate-user-password',
      status: 1,
    });
    const userId = Number(user.id);
    const userToken = await clientCredentials(h, 'rate-user', 'rate-user-password');

    const ids = [
      await createRate(h, {
        name: 'Pong-Anonymous',
        priority: 10,
        rateLimit: 100,
        timespan: 'PT1M',
        allocation: [{ operationId: pongId, authenticated: false }],
      }),
      await createRate(h, {
        name: 'Per-App',
        priority: 11,
        rateLimit: 100,
        timespan: 'PT1M',
        allocation: [{ appId: app.appId }],
      }),
      await createRate(h, {
        name: 'Per-User',
        priority: 12,
        rateLimit: 100,
        timespan: 'PT1M',
        allocation: [{ userId, operationId: pingId }],
      }),
      await createRate(h, {
        name: 'Gold-Plan',
        priority: 13,
        rateLimit: 100,
        timespan: 'PT1M',
        allocation: [{ planId: 77 }],
      }),
    ];
    const policy = async (path: string, init?: RequestInit) => policyOf(await call(h, path, init));

    expect(await policy('/rate/ping', from('10.0.5.1'))).toBe('Default-Anonymous');
    expect(await policy('/rate/pong', from('10.0.5.1'))).toBe('Pong-Anonymous');
    expect(await policy('/rate/pong', bearer(adminToken))).toBe('Default');
    expect(await policy('/rate/pong', bearer(app.token))).toBe('Per-App');
    expect(await policy('/rate/ping', bearer(userToken))).toBe('Per-User');
    expect(await policy('/rate/pong', bearer(userToken))).toBe('Default');

    // a plan is known without a query per request: the limiter re-reads plans on a change and periodically
    await h.admin.backend().user().update(String(userId), { planId: 77 });
    await h.portico.platform.rateLimits.reload();
    expect(await policy('/rate/ping', bearer(userToken))).toBe('Gold-Plan');
    expect(await policy('/rate/pong', bearer(adminToken))).toBe('Default');

    // a lower priority loses even when it is more specific
    await h.admin.backend().rate().update(String(ids[3]), { priority: 1 });
    expect(await policy('/rate/ping', bearer(userToken))).toBe('Per-User');
    for (const id of ids) await h.admin.backend().rate().delete(String(id));
    expect(await policy('/rate/ping', bearer(userToken))).toBe('Default');
  });

  it('keeps counting through a configuration change that leaves the rate alone', async () => {
    const rateId = await createRate(h, {
      name: 'Steady',
      priority: 50,
      rateLimit: 2,
      timespan: 'PT30S',
      allocation: [{ operationId: pongId }],
    });
    const ip = from('10.0.6.1');
    expect((await call(h, '/rate/pong', ip)).status).toBe(200);
    await h.admin
      .backend()
      .rate()
      .update(String(rateId), { metadata: { note: 'changed' } });
    await h.portico.platform.configChanged();
    expect((await call(h, '/rate/pong', ip)).status).toBe(200);
    expect((await call(h, '/rate/pong', ip)).status).toBe(429);
    // raising the limit takes effect at once, with the calls made so far still counted
    await h.admin.backend().rate().update(String(rateId), { rateLimit: 3 });
    const raised = await call(h, '/rate/pong', ip);
    expect(raised.status).toBe(200);
    expect(raised.headers.get('x-ratelimit-remaining')).toBe('0');
    await h.admin.backend().rate().delete(String(rateId));
  });
});
