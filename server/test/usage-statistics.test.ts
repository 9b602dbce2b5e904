import { randomUUID } from 'node:crypto';
import type { BackendStatisticChart } from 'fusio-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { call, roleId, sdkFailure, unique } from './support/plan-helpers.js';

/** 2026-01-05 is a Monday; the range of the known data set is that week. */
const at = (dayOfMonth: number, hour: number, ms = 0) => Date.UTC(2026, 0, dayOfMonth, hour) + ms;
const from = '2026-01-05';
const to = '2026-01-11';
const week = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function series(chart: BackendStatisticChart): Record<string, number[]> {
  return Object.fromEntries((chart.series ?? []).map((s) => [s.name ?? '', s.data ?? []]));
}

describe.each(await systemDatabases())('usage statistics on $kind', (database) => {
  let h: Harness;
  const prefix = unique('stat');
  const op = { a: 0, b: 0, c: 0 };
  let u1 = 0;
  let u2 = 0;
  let app1 = 0;
  let app2 = 0;
  let adminId = 0;

  beforeAll(async () => {
    h = await startHarness(database, {}, { pointsRenewalIntervalMs: 0 });
    const backend = h.admin.backend();
    await backend.action().create({
      name: `${prefix}-action`,
      class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
      config: { response: '{}' },
    });
    for (const key of ['a', 'b', 'c'] as const) {
      const created = await backend.operation().create({
        name: `${prefix}_${key}`,
        httpMethod: 'GET',
        httpPath: `/${prefix}/${key}`,
        action: `${prefix}-action`,
      });
      op[key] = Number(created.id);
    }
    const consumer = await roleId(h, 'Consumer');
    const user = async (name: string) =>
      Number(
        (
          await backend
            .user()
            .create({ roleId: consumer, status: 1, name, email: `${name}@example.com`, password: 'long-enough-pw' })
        ).id,
      );
    u1 = await user(`${prefix}-u1`);
    u2 = await user(`${prefix}-u2`);
    const app = async (userId: number, name: string) =>
      Number((await backend.app().create({ userId, name, url: 'https://example.com', scopes: ['default'] })).id);
    app1 = await app(u1, `${prefix}-app1`);
    app2 = await app(u2, `${prefix}-app2`);

    const db = h.portico.platform.db;
    adminId = (await db.selectFrom('users').select('id').where('name', '=', 'admin').executeTakeFirstOrThrow()).id;
    await db
      .updateTable('users')
      .set({ created_at: at(5, 10) })
      .where('id', '=', u1)
      .execute();
    await db
      .updateTable('users')
      .set({ created_at: at(11, 23) })
      .where('id', '=', u2)
      .execute();

    const log = (
      operationId: number,
      userId: number | null,
      appId: number | null,
      ip: string,
      method: string,
      executionTime: number,
      responseCode: number,
      date: number,
      categoryId = 1,
    ) => ({
      category_id: categoryId,
      operation_id: operationId,
      app_id: appId,
      user_id: userId,
      ip,
      user_agent: userId === null ? 'curl/8' : 'portico-sdk',
      method,
      path: `/${prefix}/${operationId === op.a ? 'a' : operationId === op.b ? 'b' : 'c'}`,
      header: 'user-agent: portico-sdk',
      body: null,
      response_code: responseCode,
      execution_time: executionTime,
      date,
    });
    await db
      .insertInto('logs')
      .values([
        log(op.a, u1, app1, '10.0.0.1', 'GET', 10, 200, at(5, 1)),
        log(op.a, u1, app1, '10.0.0.1', 'GET', 20, 200, at(5, 2)),
        log(op.a, u1, app1, '10.0.0.1', 'POST', 30, 200, at(5, 3)),
        log(op.b, u2, app2, '10.0.0.2', 'GET', 100, 500, at(5, 4)),
        log(op.a, u2, app2, '10.0.0.2', 'GET', 40, 200, at(7, 0)),
        log(op.c, u1, null, '10.0.0.3', 'GET', 5, 200, at(7, 23)),
        log(op.c, u1, null, '10.0.0.3', 'GET', 15, 503, at(7, 23, 1)),
        log(op.b, null, null, '10.0.0.2', 'GET', 60, 200, at(11, 23)),
        // not counted: the platform's own API, and calls outside the range
        log(op.a, u1, app1, '10.0.0.1', 'GET', 1000, 200, at(6, 1), 2),
        log(op.a, u1, app1, '10.0.0.1', 'GET', 1000, 200, at(12, 0)),
        log(op.a, u1, app1, '10.0.0.1', 'GET', 1000, 200, at(4, 23)),
      ])
      .execute();
    const audit = (userId: number, event: string, date: number) => ({
      app_id: null,
      user_id: userId,
      ref_id: null,
      event,
      ip: '10.0.0.9',
      message: `${event} by someone`,
      content: null,
      date,
    });
    await db
      .insertInto('audits')
      .values([
        audit(adminId, 'backend.plan.create', at(6, 10)),
        audit(adminId, 'backend.plan.create', at(8, 10)),
        audit(u1, 'backend.scope.create', at(6, 11)),
        audit(u1, 'backend.scope.create', at(12, 1)),
      ])
      .execute();
    const token = (userId: number, created: number) => ({
      category_id: 3,
      app_id: null,
      user_id: userId,
      status: 1,
      name: 'statistics',
      token_id: randomUUID(),
      refresh: null,
      scope: 'default',
      ip: '10.0.0.1',
      expire: created + 3_600_000,
      created_at: created,
    });
    await db
      .insertInto('tokens')
      .values([token(u1, at(5, 5)), token(u2, at(5, 6)), token(u1, at(9, 5))])
      .execute();
    await db
      .insertInto('plan_usages')
      .values([
        { operation_id: op.a, user_id: u1, app_id: app1, points: 3, date: at(5, 1) },
        { operation_id: op.a, user_id: u1, app_id: app1, points: 2, date: at(5, 2) },
        { operation_id: op.c, user_id: u2, app_id: null, points: 5, date: at(8, 0) },
      ])
      .execute();
    const transaction = (id: string, amount: number, created: number) => ({
      user_id: u1,
      plan_id: 1,
      provider: 'stripe',
      transaction_id: `${prefix}-${id}`,
      amount,
      points: 100,
      period_start: null,
      period_end: null,
      created_at: created,
    });
    await db
      .insertInto('transactions')
      .values([transaction('t1', 999, at(6, 1)), transaction('t2', 1000, at(6, 2)), transaction('t3', 500, at(10, 1))])
      .execute();
  });
  afterAll(async () => {
    await h?.close();
  });

  const stats = () => h.admin.backend().statistic();

  it('counts requests per day, their average time and their number', async () => {
    const requests = await stats().getIncomingRequests(undefined, undefined, undefined, from, to);
    expect(requests).toEqual({ labels: week, series: [{ name: 'Requests', data: [4, 0, 3, 0, 0, 0, 1] }] });
    const time = await stats().getTimeAverage(undefined, undefined, undefined, from, to);
    expect(time).toEqual({ labels: week, series: [{ name: 'Execution time (ms)', data: [40, 0, 20, 0, 0, 0, 60] }] });
    expect(await stats().getCountRequests(undefined, undefined, undefined, from, to)).toEqual({
      count: 8,
      from: '2026-01-05T00:00:00.000Z',
      to: '2026-01-11T23:59:59.999Z',
    });
  });

  it('charts the top operations, apps, users and IPs, one series per day each', async () => {
    const name = (k: string) => `${prefix}_${k}`;
    for (const chart of [
      await stats().getRequestsPerOperation(undefined, undefined, undefined, from, to),
      await stats().getMostUsedOperations(undefined, undefined, undefined, from, to),
    ]) {
      expect(chart.labels).toEqual(week);
      expect(chart.series?.map((s) => s.name)).toEqual([name('a'), name('b'), name('c')]);
      expect(series(chart)).toEqual({
        [name('a')]: [3, 0, 1, 0, 0, 0, 0],
        [name('b')]: [1, 0, 0, 0, 0, 0, 1],
        [name('c')]: [0, 0, 2, 0, 0, 0, 0],
      });
    }
    const errors = await stats().getErrorsPerOperation(undefined, undefined, undefined, from, to);
    expect(errors.series).toEqual([
      { name: name('b'), data: [1, 0, 0, 0, 0, 0, 0] },
      { name: name('c'), data: [0, 0, 1, 0, 0, 0, 0] },
    ]);
    const time = await stats().getTimePerOperation(undefined, undefined, undefined, from, to);
    expect(time.series).toEqual([
      { name: `${name('b')} (ms)`, data: [100, 0, 0, 0, 0, 0, 60] },
      { name: `${name('a')} (ms)`, data: [20, 0, 40, 0, 0, 0, 0] },
      { name: `${name('c')} (ms)`, data: [0, 0, 10, 0, 0, 0, 0] },
    ]);
    expect((await stats().getMostUsedApps(undefined, undefined, undefined, from, to)).series).toEqual([
      { name: `${prefix}-app1`, data: [3, 0, 0, 0, 0, 0, 0] },
      { name: `${prefix}-app2`, data: [1, 0, 1, 0, 0, 0, 0] },
    ]);
    expect((await stats().getRequestsPerUser(undefined, undefined, undefined, from, to)).series).toEqual([
      { name: `${prefix}-u1`, data: [3, 0, 2, 0, 0, 0, 0] },
      { name: `${prefix}-u2`, data: [1, 0, 1, 0, 0, 0, 0] },
    ]);
    expect((await stats().getRequestsPerIP(undefined, undefined, undefined, from, to)).series).toEqual([
      { name: '10.0.0.1', data: [3, 0, 0, 0, 0, 0, 0] },
      { name: '10.0.0.2', data: [1, 0, 1, 0, 0, 0, 1] },
      { name: '10.0.0.3', data: [0, 0, 2, 0, 0, 0, 0] },
    ]);
  });

  it('charts backend activity, tokens, registrations, points and money', async () => {
    expect((await stats().getMostUsedActivities(undefined, undefined, undefined, from, to)).series).toEqual([
      { name: 'backend.plan.create', data: [0, 1, 0, 1, 0, 0, 0] },
      { name: 'backend.scope.create', data: [0, 1, 0, 0, 0, 0, 0] },
    ]);
    expect((await stats().getActivitiesPerUser(undefined, undefined, undefined, from, to)).series).toEqual([
      { name: 'admin', data: [0, 1, 0, 1, 0, 0, 0] },
      { name: `${prefix}-u1`, data: [0, 1, 0, 0, 0, 0, 0] },
    ]);
    expect(await stats().getIssuedTokens(undefined, undefined, undefined, from, to)).toEqual({
      labels: week,
      series: [{ name: 'Tokens', data: [2, 0, 0, 0, 1, 0, 0] }],
    });
    expect(await stats().getUserRegistrations(undefined, undefined, undefined, from, to)).toEqual({
      labels: week,
      series: [{ name: 'Users', data: [1, 0, 0, 0, 0, 0, 1] }],
    });
    expect(await stats().getUsedPoints(undefined, undefined, undefined, from, to)).toEqual({
      labels: week,
      series: [{ name: 'Points', data: [5, 0, 0, 5, 0, 0, 0] }],
    });
    expect(await stats().getIncomingTransactions(undefined, undefined, undefined, from, to)).toEqual({
      labels: week,
      series: [{ name: 'Amount', data: [0, 19.99, 0, 0, 0, 5, 0] }],
    });
    // Portico has no operation tests: Fusio's chart with nothing to count
    expect(await stats().getTestCoverage()).toEqual({
      labels: ['Pending', 'Success', 'Warning', 'Error'],
      series: [{ name: 'Tests', data: [0, 0, 0, 0] }],
    });
  });

  it("applies the SDK's filters", async () => {
    const incoming = (...args: (string | number | undefined)[]) =>
      stats().getIncomingRequests(
        undefined,
        undefined,
        args[0] as string | undefined,
        from,
        to,
        args[1] as number | undefined,
        args[2] as number | undefined,
        args[3] as number | undefined,
        args[4] as string | undefined,
        args[5] as string | undefined,
        args[6] as string | undefined,
        args[7] as string | undefined,
      );
    const data = async (...args: (string | number | undefined)[]) => (await incoming(...args)).series?.[0]?.data;
    expect(await data(undefined, op.a)).toEqual([3, 0, 1, 0, 0, 0, 0]);
    expect(await data(undefined, undefined, app2)).toEqual([1, 0, 1, 0, 0, 0, 0]);
    expect(await data(undefined, undefined, undefined, u1)).toEqual([3, 0, 2, 0, 0, 0, 0]);
    expect(await data(undefined, undefined, undefined, undefined, '10.0.0.3')).toEqual([0, 0, 2, 0, 0, 0, 0]);
    expect(await data(undefined, undefined, undefined, undefined, undefined, 'CURL')).toEqual([0, 0, 0, 0, 0, 0, 1]);
    expect(await data(undefined, undefined, undefined, undefined, undefined, undefined, 'post')).toEqual([
      1, 0, 0, 0, 0, 0, 0,
    ]);
    expect(
      await data(undefined, undefined, undefined, undefined, undefined, undefined, undefined, `/${prefix}/c`),
    ).toEqual([0, 0, 2, 0, 0, 0, 0]);
    // Fusio's search: comma-separated parts that say what they filter
    expect(await data('POST')).toEqual([1, 0, 0, 0, 0, 0, 0]);
    expect(await data(`10.0.0.2, /${prefix}/b`)).toEqual([1, 0, 0, 0, 0, 0, 1]);
    expect((await stats().getUsedPoints(undefined, undefined, undefined, from, to, op.c)).series?.[0]?.data).toEqual([
      0, 0, 0, 5, 0, 0, 0,
    ]);
  });

  it('covers a date range: whole days, swapped when reversed, dates as labels from four weeks on', async () => {
    const long = await stats().getIncomingRequests(undefined, undefined, undefined, '2025-12-15', '2026-01-20');
    expect(long.labels).toHaveLength(37);
    expect(long.labels?.[0]).toBe('2025-12-15');
    expect(long.labels?.[36]).toBe('2026-01-20');
    expect(long.series?.[0]?.data?.reduce((a, b) => a + b, 0)).toBe(10);
    const reversed = await stats().getIncomingRequests(undefined, undefined, undefined, to, from);
    expect(reversed.series?.[0]?.data).toEqual([4, 0, 3, 0, 0, 0, 1]);
    const noDates = await stats().getIncomingRequests();
    expect(noDates.labels).toHaveLength(30);
    expect(
      (await sdkFailure(stats().getIncomingRequests(undefined, undefined, undefined, 'yesterday-ish'))).message,
    ).toBe('Query parameter "from" must be a date, e.g. 2026-11-28 or 2026-11-28T10:00:00Z');
    const token = await h.adminToken();
    expect(
      (
        await call(h, '/backend/statistic/incoming_requests?operationId=abc', {
          headers: { authorization: `Bearer ${token}` },
        })
      ).status,
    ).toBe(400);
  });

  it("filters /backend/log with the SDK's parameters", async () => {
    const log = h.admin.backend().log();
    const total = async (...args: (string | number | undefined)[]) =>
      (
        await log.getAll(
          0,
          100,
          args[0] as string | undefined,
          '2026-01-05T00:00:00Z',
          '2026-01-11T23:59:59.999Z',
          args[1] as number | undefined,
          args[2] as number | undefined,
          args[3] as number | undefined,
          args[4] as string | undefined,
          args[5] as string | undefined,
          args[6] as string | undefined,
          args[7] as string | undefined,
        )
      ).totalResults;
    expect(await total()).toBe(8);
    expect(await total(undefined, op.a)).toBe(4);
    expect(await total(undefined, undefined, app2)).toBe(2);
    expect(await total(undefined, undefined, undefined, u1)).toBe(5);
    expect(await total(undefined, undefined, undefined, undefined, '10.0.0.3')).toBe(2);
    expect(await total(undefined, undefined, undefined, undefined, undefined, 'curl')).toBe(1);
    expect(await total(undefined, undefined, undefined, undefined, undefined, undefined, 'post')).toBe(1);
    expect(
      await total(undefined, undefined, undefined, undefined, undefined, undefined, undefined, `/${prefix}/c`),
    ).toBe(2);
  });

  it('combines the charts on the dashboard', async () => {
    const token = await h.adminToken();
    const dashboard = await call(h, `/backend/dashboard?from=${from}&to=${to}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(dashboard.status).toBe(200);
    expect(Object.keys(dashboard.body).sort()).toEqual(
      [
        'activitiesPerUser',
        'errorsPerOperation',
        'incomingRequests',
        'incomingTransactions',
        'mostUsedActivities',
        'mostUsedOperations',
        'testCoverage',
        'timePerOperation',
        'userRegistrations',
      ].sort(),
    );
    expect(dashboard.body.incomingTransactions).toEqual({
      labels: week,
      series: [{ name: 'Amount', data: [0, 19.99, 0, 0, 0, 5, 0] }],
    });
    expect(dashboard.body.incomingRequests).toEqual({
      labels: week,
      series: [{ name: 'Requests', data: [4, 0, 3, 0, 0, 0, 1] }],
    });
    // a developer's token cannot read statistics
    const dev = await call(h, '/consumer/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: `${prefix}-u1`, password: 'long-enough-pw' }),
    });
    const denied = await call(h, '/backend/statistic/incoming_requests', {
      headers: { authorization: `Bearer ${dev.body.token}` },
    });
    expect(denied.status).toBe(403);
  });

  it("charts the admin app's additions: answers by class, rate-limited users, p50/p95 per operation, webhook deliveries", async () => {
    // a week of its own (2026-02-02 is a Monday), so the week above keeps its numbers
    const feb = (dayOfMonth: number, hour: number) => Date.UTC(2026, 1, dayOfMonth, hour);
    const row = (operationId: number, userId: number, time: number, code: number, date: number) => ({
      category_id: 1,
      operation_id: operationId,
      app_id: null,
      user_id: userId,
      ip: '10.0.9.9',
      user_agent: 'portico-sdk',
      method: 'GET',
      path: `/${prefix}/feb`,
      header: '',
      body: null,
      response_code: code,
      execution_time: time,
      date,
    });
    const db = h.portico.platform.db;
    await db
      .insertInto('logs')
      .values([
        row(op.a, u1, 10, 200, feb(2, 1)),
        row(op.a, u1, 40, 200, feb(2, 2)),
        row(op.a, u1, 20, 200, feb(2, 3)),
        row(op.a, u1, 30, 200, feb(2, 4)),
        row(op.a, u1, 1, 429, feb(3, 1)),
        row(op.a, u1, 1, 429, feb(3, 2)),
        row(op.b, u2, 1, 429, feb(3, 3)),
        row(op.b, u2, 100, 200, feb(4, 1)),
        row(op.b, u2, 300, 503, feb(4, 2)),
        row(op.b, u2, 2, 404, feb(4, 3)),
      ])
      .execute();
    const now = Date.now();
    await db
      .insertInto('events')
      .values({
        category_id: 1,
        status: 1,
        name: `${prefix}.feb`,
        description: '',
        event_schema: null,
        metadata: null,
        updated_at: now,
      })
      .execute();
    const eventId = (
      await db.selectFrom('events').select('id').where('name', '=', `${prefix}.feb`).executeTakeFirstOrThrow()
    ).id;
    await db
      .insertInto('webhooks')
      .values({
        event_id: eventId,
        user_id: u1,
        status: 1,
        name: `${prefix}-hook`,
        endpoint: 'https://hooks.example/x',
        secret: 'x',
        created_at: now,
        updated_at: now,
      })
      .execute();
    const hookId = (
      await db.selectFrom('webhooks').select('id').where('name', '=', `${prefix}-hook`).executeTakeFirstOrThrow()
    ).id;
    const uid = randomUUID();
    await db
      .insertInto('event_messages')
      .values({
        uid,
        kind: 1,
        name: `${prefix}.feb`,
        payload: '{}',
        user_id: null,
        origin_user_id: null,
        origin_app_id: null,
        state: 1,
        claim_token: null,
        created_at: now,
      })
      .execute();
    const messageId = (
      await db.selectFrom('event_messages').select('id').where('uid', '=', uid).executeTakeFirstOrThrow()
    ).id;
    const delivery = (status: number, attempts: number, created: number, webhook = true) => ({
      message_id: messageId,
      webhook_id: webhook ? hookId : null,
      trigger_id: null,
      job: webhook ? null : 'a-background-job',
      status,
      attempts,
      // not due: the delivery worker of the harness leaves them as they are
      next_attempt_at: now + 86_400_000,
      lease_until: null,
      claim_token: null,
      code: null,
      body: null,
      error: null,
      history: null,
      execute_date: null,
      created_at: created,
    });
    await db
      .insertInto('event_deliveries')
      .values([
        delivery(2, 1, feb(2, 1)),
        delivery(2, 1, feb(2, 2)),
        delivery(1, 0, feb(3, 1)),
        delivery(1, 2, feb(3, 2)),
        delivery(3, 5, feb(4, 1)),
        // a background job's delivery is not a webhook's
        delivery(3, 5, feb(4, 1), false),
      ])
      .execute();
    const token = await h.adminToken();
    const chart = async (segment: string) => {
      const res = await call(h, `/backend/statistic/${segment}?from=2026-02-02&to=2026-02-08`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status, segment).toBe(200);
      return res.body as unknown as BackendStatisticChart;
    };
    expect(series(await chart('response_classes'))).toEqual({
      'Answered (2xx/3xx)': [4, 0, 1, 0, 0, 0, 0],
      'Client errors (4xx)': [0, 0, 1, 0, 0, 0, 0],
      'Rate limited (429)': [0, 3, 0, 0, 0, 0, 0],
      'Server errors (5xx)': [0, 0, 1, 0, 0, 0, 0],
    });
    expect(series(await chart('rate_limited_users'))).toEqual({
      [`${prefix}-u1`]: [0, 2, 0, 0, 0, 0, 0],
      [`${prefix}-u2`]: [0, 1, 0, 0, 0, 0, 0],
    });
    // op a: 1 1 10 20 30 40 → median (rank 3) 10, p95 (rank 6) 40; op b: 1 2 100 300 → 2 and 300
    const latency = await chart('latency_per_operation');
    expect(latency.labels).toEqual([`${prefix}_a`, `${prefix}_b`]);
    expect(series(latency)).toEqual({ 'p50 (ms)': [10, 2], 'p95 (ms)': [40, 300] });
    expect(series(await chart('webhook_deliveries'))).toEqual({
      Delivered: [2, 0, 0, 0, 0, 0, 0],
      Waiting: [0, 1, 0, 0, 0, 0, 0],
      'Failing (retrying)': [0, 1, 0, 0, 0, 0, 0],
      'Given up': [0, 0, 1, 0, 0, 0, 0],
    });
    // an empty range: no operations, no values
    const empty = await call(h, '/backend/statistic/latency_per_operation?from=2025-02-02&to=2025-02-08', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(empty.body).toEqual({
      labels: [],
      series: [
        { name: 'p50 (ms)', data: [] },
        { name: 'p95 (ms)', data: [] },
      ],
    });

    // the log behind the charts: by status, a class, or several
    const logged = async (status: string) => {
      const res = await call(
        h,
        `/backend/log?from=2026-02-02&to=2026-02-08&count=100&status=${encodeURIComponent(status)}`,
        { headers: { authorization: `Bearer ${token}` } },
      );
      return res;
    };
    expect((await logged('429')).body.totalResults).toBe(3);
    expect((await logged('4xx')).body.totalResults).toBe(4);
    expect((await logged('5xx, 429')).body.totalResults).toBe(4);
    expect((await logged('2xx')).body.totalResults).toBe(5);
    const entries = (await logged('503')).body.entry as { responseCode: number; path: string }[];
    expect(entries.map((e) => e.responseCode)).toEqual([503]);
    const bad = await logged('teapot');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('"status"');
    expect(bad.body.message).toContain('teapot');
  });
});
