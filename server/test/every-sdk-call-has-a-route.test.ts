import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';

/**
 * Reads every call the unmodified fusio-sdk makes (tag, method name, HTTP method, path) out of its
 * bundle, so the test follows the SDK rather than a list someone typed.
 */
function sdkCalls(): { tag: string; name: string; method: string; path: string }[] {
  const require = createRequire(import.meta.url);
  const bundle = fs.readFileSync(path.join(path.dirname(require.resolve('fusio-sdk')), 'index.js'), 'utf8');
  const calls: { tag: string; name: string; method: string; path: string }[] = [];
  for (const tag of bundle.matchAll(/var (\w+Tag) = class extends TagAbstract\d* \{([\s\S]*?)\n\};/g)) {
    const [, tagName, body] = tag as unknown as [string, string, string];
    for (const call of body.matchAll(
      /async (\w+)\([^)]*\) \{\s*const url = this\.parser\.url\("([^"]+)"[\s\S]*?method: "(\w+)"/g,
    )) {
      const [, name, urlPath, method] = call as unknown as [string, string, string, string];
      calls.push({ tag: tagName, name, method, path: urlPath });
    }
  }
  return calls;
}

/** The SDK tags Portico implements, with the calls of each that are not implemented yet (and why). */
const implemented: Record<string, string[]> = {
  AuthorizationTag: [],
  BackendAccountTag: [],
  BackendActionTag: [],
  BackendAppTag: [],
  BackendAuditTag: [],
  BackendBackupTag: [],
  BackendCategoryTag: [],
  BackendConfigTag: [],
  BackendConnectionTag: [],
  BackendConnectionDatabaseTag: [],
  BackendConnectionFilesystemTag: [],
  BackendConnectionHttpTag: [],
  BackendConnectionSdkTag: [],
  BackendCronjobTag: [],
  BackendDashboardTag: [],
  BackendEventTag: [],
  BackendFirewallTag: [],
  BackendFormTag: [],
  BackendGeneratorTag: [],
  BackendIdentityTag: [],
  BackendLogTag: [],
  BackendOperationTag: [],
  BackendPageTag: [],
  BackendPlanTag: [],
  BackendRateTag: [],
  BackendRoleTag: [],
  BackendSchemaTag: [],
  BackendScopeTag: [],
  BackendSdkTag: [],
  BackendStatisticTag: [],
  BackendTaxonomyTag: [],
  BackendTestTag: [],
  BackendTokenTag: [],
  BackendTransactionTag: [],
  BackendTrashTag: [],
  BackendTriggerTag: [],
  BackendUserTag: [],
  BackendWebhookTag: [],
  ConsumerAccountTag: [],
  ConsumerAppTag: [],
  ConsumerEventTag: [],
  ConsumerFormTag: [],
  ConsumerGrantTag: [],
  ConsumerIdentityTag: [],
  ConsumerLogTag: [],
  ConsumerPageTag: [],
  ConsumerPaymentTag: [],
  ConsumerPlanTag: [],
  ConsumerScopeTag: [],
  ConsumerTokenTag: [],
  ConsumerTransactionTag: [],
  ConsumerWebhookTag: [],
  SystemConnectionTag: [],
  SystemMetaTag: [],
  SystemPaymentTag: [],
};

/** A concrete URL for an SDK path template: ids become 1, names become "sample". */
function concrete(template: string): string {
  return template
    .split('/')
    .map((segment) => (segment.startsWith('$') ? '1' : segment.startsWith(':') ? 'sample' : segment))
    .join('/');
}

const [sqlite] = (await systemDatabases()).filter((d) => d.kind === 'sqlite');

describe('every call of the fusio-sdk for an implemented area has a route', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(sqlite!);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('reads the SDK bundle', () => {
    const calls = sdkCalls();
    expect(calls.length).toBeGreaterThan(200);
    expect(calls).toContainEqual({
      tag: 'BackendOperationTag',
      name: 'create',
      method: 'POST',
      path: '/backend/operation',
    });
  });

  it('routes each call to a platform operation with the same method', () => {
    const missing: string[] = [];
    for (const call of sdkCalls()) {
      const skipped = implemented[call.tag];
      if (!skipped || skipped.includes(call.name)) continue;
      const match = h.portico.platform.gateway.table.find(call.method, concrete(call.path));
      if (match.kind !== 'operation' || match.operation.categoryId === 1) {
        missing.push(`${call.tag}.${call.name} ${call.method} ${call.path}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
