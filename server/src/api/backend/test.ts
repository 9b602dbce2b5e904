import type { BackendTest } from 'fusio-sdk';
import type { ChangeOrigin } from '../../changes/unit.js';
import { parseJsonColumn } from '../../db/values.js';
import { badRequest } from '../../errors.js';
import { paging, queryInt } from '../../http/query.js';
import type { TestInput, TestWithOperation } from '../../operation-tests/repository.js';
import { runTests, type TestOutcome, type TestRunner } from '../../operation-tests/runner.js';
import { message } from '../http.js';
import type { Platform } from '../platform.js';
import type { SystemCall, SystemOperation } from '../system-operation.js';
import { systemOperation } from '../system-operation.js';

const fragment = { type: ['string', 'null'], maxLength: 512 };

const testBody = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    status: { type: 'integer', enum: [1, 2, 3, 4, 5, 6], 'x-error': 'Test status must be 1 (pending) or 6 (disabled)' },
    operationName: { type: 'string' },
    message: { type: ['string', 'null'] },
    response: { type: ['string', 'null'] },
    config: {
      type: 'object',
      properties: {
        method: { type: 'string' },
        uriFragments: { ...fragment, 'x-error': 'Test uriFragments must be a query string of at most 512 characters' },
        parameters: { ...fragment, 'x-error': 'Test parameters must be a query string of at most 512 characters' },
        headers: { ...fragment, 'x-error': 'Test headers must be a query string of at most 512 characters' },
        body: {},
      },
    },
  },
};

function summary(row: TestWithOperation): BackendTest {
  const test: BackendTest = { id: row.id, status: row.status, operationName: row.operation_name };
  if (row.message !== null) test.message = row.message;
  return test;
}

function detail(row: TestWithOperation): BackendTest {
  const config: NonNullable<BackendTest['config']> = {};
  if (row.uri_fragments !== null) config.uriFragments = row.uri_fragments;
  if (row.parameters !== null) config.parameters = row.parameters;
  if (row.headers !== null) config.headers = row.headers;
  const body = parseJsonColumn<NonNullable<BackendTest['config']>['body']>(row.body);
  if (body !== undefined && body !== null) config.body = body;
  const test: BackendTest = { ...summary(row), config };
  if (row.response !== null) test.response = row.response;
  return test;
}

function testId(call: SystemCall): number {
  const id = Number(call.request.params.test_id);
  if (!Number.isSafeInteger(id)) throw badRequest('Test id must be a number');
  return id;
}

/**
 * Runs every test that is not disabled and stores the results in one change. The requests go out before
 * the change opens: an operation under test may itself write to the system database.
 */
export async function runAndRecord(
  platform: Platform,
  runner: TestRunner,
  origin: ChangeOrigin | undefined,
): Promise<TestOutcome[]> {
  const tests = await platform.tests.runnable(platform.db);
  const outcomes = await runTests(
    { db: platform.db, loopback: platform.loopback, tokens: platform.tokens },
    runner,
    tests,
  );
  await platform.changes.write(origin, async (unit) => {
    for (const outcome of outcomes) {
      await platform.tests.record(unit, outcome.id, outcome.status, outcome.message, outcome.response);
    }
  });
  return outcomes;
}

/** Fusio's tests (fusio-sdk BackendTestTag): a stored request per operation, run all at once. */
export const testOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.test.getAll',
    method: 'GET',
    path: '/backend/test',
    description: 'Every test with its last status and message, by operation name; ?status= narrows to one status',
    handler({ platform, request }) {
      return platform.tests.page(platform.db, paging(request.query), summary, queryInt(request.query, 'status'));
    },
  }),
  systemOperation({
    name: 'backend.test.get',
    method: 'GET',
    path: '/backend/test/$test_id<[0-9]+>',
    async handler(call) {
      return detail(await call.platform.tests.find(call.platform.db, testId(call)));
    },
  }),
  systemOperation({
    name: 'backend.test.refresh',
    method: 'PUT',
    path: '/backend/test',
    description: 'A test per operation of your categories, pending again; tests of deleted operations go',
    async handler(call) {
      await call.platform.changes.write(call, (unit) => call.platform.tests.refresh(unit));
      return message('Tests successfully refreshed');
    },
  }),
  systemOperation({
    name: 'backend.test.run',
    method: 'POST',
    path: '/backend/test',
    description:
      'Sends every test that is not disabled through the gateway, with a five-minute token minted for you that holds only the operation’s scopes you hold',
    async handler(call) {
      const user = call.caller.user;
      if (!user) throw badRequest('Tests run as a user: call with a user’s token');
      await runAndRecord(call.platform, { user, scopes: call.caller.scopes, ip: call.request.ip }, call);
      return message('Tests successfully executed');
    },
  }),
  systemOperation({
    name: 'backend.test.update',
    method: 'PUT',
    path: '/backend/test/$test_id<[0-9]+>',
    incoming: testBody,
    async handler(call) {
      const id = testId(call);
      const input = call.request.body as TestInput;
      const done = await call.platform.changes.write(call, (unit) => call.platform.tests.update(unit, id, input));
      return message('Test successfully updated', done);
    },
  }),
];
