import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { publicOperation } from './support/rate-helpers.js';

const databases = await systemDatabases();

/** A backend call outside the SDK, to see the status code of a refusal. */
async function send(h: Harness, method: string, path: string, body?: unknown) {
  const res = await h.fetch(path, {
    method,
    headers: { authorization: `Bearer ${await h.adminToken()}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, message: ((await res.json()) as { message?: string }).message ?? '' };
}

/** A request from `address` (TRUST_PROXY is on, so X-Forwarded-For names the client). */
async function from(h: Harness, address: string, path: string, init: RequestInit = {}) {
  const res = await h.fetch(path, {
    ...init,
    headers: { ...(init.headers as Record<string, string> | undefined), 'x-forwarded-for': address },
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as { message?: string }) : {} };
}

async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(databases)('the firewall, through the fusio-sdk ($kind)', (database) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(database, { TRUST_PROXY: 'true' });
    await publicOperation(h, 'fw.open', '/fw/open');
    // the automatic ban made small: 5 client errors within a minute ban for 2 seconds
    await h.admin
      .backend()
      .config()
      .update('~firewall_max_retry', { value: 5 } as never);
    await h.admin
      .backend()
      .config()
      .update('~firewall_find_time', { value: 'PT1M' } as never);
    await h.admin
      .backend()
      .config()
      .update('~firewall_ban_time', { value: 'PT2S' } as never);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('creates, lists, reads, updates and deletes rules; bad input is a 400 naming the field', async () => {
    const firewall = h.admin.backend().firewall();
    const created = await firewall.create({ name: 'office-v6', type: 1, ip: '2001:DB8:0:0::/48' });
    expect(created).toMatchObject({ success: true, message: 'Firewall successfully created' });
    const id = String((created as { id?: number }).id);
    const rule = await firewall.get(id);
    // stored in canonical form
    expect(rule).toEqual({ id: Number(id), name: 'office-v6', type: 1, ip: '2001:db8::/48' });
    expect(await firewall.get('~office-v6')).toEqual(rule);
    const list = await firewall.getAll(0, 16, 'office');
    expect(list.totalResults).toBe(1);
    expect(list.entry?.[0]?.name).toBe('office-v6');

    await firewall.update(id, { expire: '2031-01-31 12:00:00', metadata: { owner: 'ops' } });
    expect(await firewall.get(id)).toMatchObject({ expire: '2031-01-31T12:00:00.000Z', metadata: { owner: 'ops' } });
    await firewall.update(id, { expire: null } as never);
    expect((await firewall.get(id)).expire).toBeUndefined();

    const bad = [
      [{ name: 'bad-cidr', type: 0, ip: '10.0.0.0/33' }, /ip .*prefix length must be 0 to 32/],
      [{ name: 'bad-host-bits', type: 0, ip: '10.1.2.3/8' }, /ip .*bits set beyond its \/8 prefix/],
      [{ name: 'bad-address', type: 0, ip: 'example.com' }, /ip .*not an IPv4 or IPv6 address/],
      [{ name: 'bad-type', type: 7, ip: '192.0.2.1' }, /type must be 0 \(deny\) or 1 \(allow\)/],
      [{ name: 'bad-expiry', type: 0, ip: '192.0.2.1', expire: 'tomorrow' }, /expire must be a date and time/],
      [{ name: 'x', type: 0, ip: '192.0.2.1' }, /Invalid firewall name/],
      [{ name: 'no-ip', type: 0 }, /ip/],
    ] as const;
    for (const [body, message] of bad) {
      const refused = await send(h, 'POST', '/backend/firewall', body);
      expect(refused.message, JSON.stringify(body)).toMatch(message);
      expect(refused.status).toBe(400);
    }
    expect((await send(h, 'POST', '/backend/firewall', { name: 'office-v6', type: 0, ip: '192.0.2.1' })).status).toBe(
      409,
    );
    expect(await send(h, 'PUT', `/backend/firewall/${id}`, { ip: '::1/129' })).toMatchObject({
      status: 400,
      message: expect.stringMatching(/ip .*prefix length must be 0 to 128/),
    });
    // nothing changed by the refused calls
    expect((await firewall.getAll()).totalResults).toBe(1);

    await firewall.delete(id);
    expect((await send(h, 'GET', `/backend/firewall/${id}`)).status).toBe(404);
  });

  it('a deny rule blocks its range at once, and its expiry lifts it', async () => {
    expect((await from(h, '198.51.100.7', '/fw/open')).status).toBe(200);
    const expire = new Date(Date.now() + 2500).toISOString();
    await h.admin.backend().firewall().create({ name: 'deny-doc-net', type: 0, ip: '198.51.100.0/24', expire });
    const denied = await from(h, '198.51.100.7', '/fw/open');
    expect(denied.status).toBe(403);
    expect(denied.body.message).toBe('Your IP address is not allowed to access this API');
    expect(Number(denied.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // before routing: an unknown path, the backend and the token endpoint are denied too
    expect((await from(h, '198.51.100.200', '/no/such/path')).status).toBe(403);
    expect((await from(h, '198.51.100.200', '/backend/firewall')).status).toBe(403);
    expect((await from(h, '198.51.100.200', '/authorization/token', { method: 'POST' })).status).toBe(403);
    // IPv4-mapped IPv6 is the same client
    expect((await from(h, '::ffff:198.51.100.9', '/fw/open')).status).toBe(403);
    expect((await from(h, '198.51.101.7', '/fw/open')).status).toBe(200);
    // an allow rule wins over the deny rule
    await h.admin.backend().firewall().create({ name: 'allow-one', type: 1, ip: '198.51.100.8' });
    expect((await from(h, '198.51.100.8', '/fw/open')).status).toBe(200);
    await eventually(async () => ((await from(h, '198.51.100.7', '/fw/open')).status === 200 ? true : undefined));
    await h.admin.backend().firewall().delete('~allow-one');
    await h.admin.backend().firewall().delete('~deny-doc-net');
  });

  it('bans an address after repeated client errors, for the ban time, and the ban is a listed rule', async () => {
    const attacker = '203.0.113.66';
    for (let i = 0; i < 4; i++) expect((await from(h, attacker, `/probe/${i}`)).status).toBe(404);
    expect((await from(h, attacker, '/fw/open')).status).toBe(200);
    // the fifth client error within the window bans it
    expect((await from(h, attacker, '/backend/firewall')).status).toBe(401);
    const banned = await eventually(async () => {
      const answer = await from(h, attacker, '/fw/open');
      return answer.status === 403 ? answer : undefined;
    });
    expect(banned.body.message).toBe('Your IP has sent too many requests, please try again later');
    expect(Number(banned.headers.get('retry-after'))).toBeLessThanOrEqual(2);
    // others are not affected
    expect((await from(h, '203.0.113.67', '/fw/open')).status).toBe(200);
    const rules = await h.admin.backend().firewall().getAll(0, 16, 'Ban-');
    expect(rules.entry).toEqual([
      expect.objectContaining({ name: expect.stringMatching(/^Ban-203-0-113-66-\d+$/), type: 0, ip: attacker }),
    ]);
    // the ban lifts by itself after PT2S
    await eventually(async () => ((await from(h, attacker, '/fw/open')).status === 200 ? true : undefined), 6000);
  });

  it('IPv6 clients are banned by their /64', async () => {
    for (let i = 0; i < 5; i++) expect((await from(h, `2001:db8:5:6::${i + 1}`, `/probe/${i}`)).status).toBe(404);
    await eventually(async () => ((await from(h, '2001:db8:5:6::ffff', '/fw/open')).status === 403 ? true : undefined));
    expect((await from(h, '2001:db8:5:7::1', '/fw/open')).status).toBe(200);
  });

  it('an administrator’s own client errors in the backend never ban them', async () => {
    const token = await h.adminToken();
    for (let i = 0; i < 8; i++) {
      const res = await from(h, '192.0.2.10', '/backend/firewall/999999', {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(404);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect((await from(h, '192.0.2.10', '/fw/open')).status).toBe(200);
  });

  it('a deny rule over everyone does not lock the administrator out of /backend and /authorization', async () => {
    const firewall = h.admin.backend().firewall();
    await firewall.create({ name: 'deny-all-v4', type: 0, ip: '0.0.0.0/0' });
    await firewall.create({ name: 'deny-all-v6', type: 0, ip: '::/0' });
    // the API is closed to everyone…
    expect((await from(h, '192.0.2.44', '/fw/open')).status).toBe(403);
    expect((await h.fetch('/fw/open')).status).toBe(403);
    expect((await from(h, '2001:db8::44', '/fw/open')).status).toBe(403);
    // …but the administrator logs in and manages Portico from anywhere
    const token = await h.adminToken();
    expect(token).toBeTruthy();
    expect((await h.admin.backend().firewall().getAll()).totalResults).toBeGreaterThanOrEqual(2);
    const whoami = await from(h, '192.0.2.44', '/authorization/whoami', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(whoami.status).toBe(200);
    // a narrower deny rule covering the administrator's own address is refused, naming the field
    const refused = await send(h, 'POST', '/backend/firewall', { name: 'deny-loopback', type: 0, ip: '127.0.0.0/8' });
    expect(refused.status).toBe(400);
    expect(refused.message).toMatch(
      /ip 127\.0\.0\.0\/8 would deny your own address 127\.0\.0\.1 access to the backend/,
    );
    // with an allow rule for that address first, it can be saved; deleting that allow rule is then refused
    await firewall.create({ name: 'allow-admin', type: 1, ip: '127.0.0.1' });
    await firewall.create({ name: 'deny-loopback', type: 0, ip: '127.0.0.0/8' });
    expect((await send(h, 'DELETE', '/backend/firewall/~allow-admin')).message).toMatch(/would deny your own address/);
    await firewall.delete('~deny-loopback');
    await firewall.delete('~allow-admin');
    await firewall.delete('~deny-all-v4');
    await firewall.delete('~deny-all-v6');
    expect((await h.fetch('/fw/open')).status).toBe(200);
  });

  it('a rate over everyone limits the API but never the administrator’s backend calls', async () => {
    const rate = await h.admin
      .backend()
      .rate()
      .create({ name: 'Everyone-Tight', priority: 100, rateLimit: 2, timespan: 'PT1H', allocation: [{}] });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await from(h, '192.0.2.99', '/fw/open')).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
    // the administrator keeps working: far more backend calls than the rate allows, and whoami
    const token = await h.adminToken();
    for (let i = 0; i < 6; i++) {
      const res = await h.fetch('/backend/rate', { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBeNull();
    }
    const whoami = await h.fetch('/authorization/whoami', { headers: { authorization: `Bearer ${token}` } });
    expect(whoami.status).toBe(200);
    // …and can undo the mistake
    await h.admin
      .backend()
      .rate()
      .delete(String((rate as { id?: number }).id));
    expect((await from(h, '192.0.2.98', '/fw/open')).status).toBe(200);
  });
});
