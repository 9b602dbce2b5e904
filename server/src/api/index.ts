import { authorizationOperations } from './authorization/index.js';
import { accountOperations } from './backend/account.js';
import { actionOperations } from './backend/action.js';
import { appOperations } from './backend/app.js';
import { auditOperations } from './backend/audit.js';
import { backupOperations } from './backend/backup.js';
import { categoryOperations } from './backend/category.js';
import { configOperations } from './backend/config.js';
import { connectionOperations } from './backend/connection.js';
import { connectionFilesystemOperations } from './backend/connection-filesystem.js';
import { connectionHttpOperations } from './backend/connection-http.js';
import { connectionOAuthOperations } from './backend/connection-oauth.js';
import { connectionSdkOperations } from './backend/connection-sdk.js';
import { cronjobOperations } from './backend/cronjob.js';
import { dashboardOperations } from './backend/dashboard.js';
import { databaseOperations } from './backend/database.js';
import { eventOperations } from './backend/event.js';
import { firewallOperations } from './backend/firewall.js';
import { formOperations } from './backend/form.js';
import { generatorOperations } from './backend/generator.js';
import { identityOperations } from './backend/identity.js';
import { logOperations } from './backend/log.js';
import { operationOperations } from './backend/operation.js';
import { pageOperations } from './backend/page.js';
import { planOperations } from './backend/plan.js';
import { rateOperations } from './backend/rate.js';
import { releaseOperations } from './backend/release.js';
import { roleOperations } from './backend/role.js';
import { schemaOperations } from './backend/schema.js';
import { scopeOperations } from './backend/scope.js';
import { sdkOperations } from './backend/sdk.js';
import { statisticOperations } from './backend/statistic.js';
import { taxonomyOperations } from './backend/taxonomy.js';
import { testOperations } from './backend/test.js';
import { tokenOperations } from './backend/token.js';
import { transactionOperations } from './backend/transaction.js';
import { trashOperations } from './backend/trash.js';
import { triggerOperations } from './backend/trigger.js';
import { userOperations } from './backend/user.js';
import { webhookOperations } from './backend/webhook.js';
import { consumerAuthorizeOperations } from './consumer/authorize.js';
import { consumerEventOperations } from './consumer/event.js';
import { consumerFormOperations } from './consumer/form.js';
import { consumerIdentityOperations } from './consumer/identity.js';
import { consumerOperations } from './consumer/index.js';
import { consumerLogOperations } from './consumer/log.js';
import { consumerPageOperations } from './consumer/page.js';
import { consumerPaymentOperations } from './consumer/payment.js';
import { consumerPlanOperations } from './consumer/plan.js';
import { consumerTransactionOperations } from './consumer/transaction.js';
import { consumerUsageOperations } from './consumer/usage.js';
import { consumerWebhookOperations } from './consumer/webhook.js';
import { systemOperations } from './system/index.js';
import { platformOpenApiOperations } from './system/openapi-platform.js';
import { systemPaymentOperations } from './system/payment.js';
import type { SystemOperation } from './system-operation.js';
import { wellKnownOperations } from './well-known.js';

/** Every operation of the platform's own APIs. */
export const platformOperations: readonly SystemOperation[] = [
  ...platformOpenApiOperations(() => platformOperations),
  ...accountOperations,
  ...actionOperations,
  ...appOperations,
  ...auditOperations,
  ...backupOperations(() => platformOperations),
  ...categoryOperations,
  ...configOperations,
  ...connectionOperations,
  ...connectionHttpOperations,
  ...connectionFilesystemOperations,
  ...connectionSdkOperations,
  ...connectionOAuthOperations,
  ...cronjobOperations,
  ...dashboardOperations,
  ...databaseOperations,
  ...eventOperations,
  ...firewallOperations,
  ...formOperations,
  ...generatorOperations,
  ...identityOperations,
  ...logOperations,
  ...operationOperations,
  ...releaseOperations,
  ...pageOperations,
  ...planOperations,
  ...rateOperations,
  ...roleOperations,
  ...schemaOperations,
  ...statisticOperations,
  ...scopeOperations,
  ...sdkOperations,
  ...testOperations,
  ...tokenOperations,
  ...trashOperations(() => platformOperations),
  ...triggerOperations,
  ...transactionOperations,
  ...userOperations,
  ...webhookOperations,
  ...taxonomyOperations,
  ...consumerOperations,
  ...consumerLogOperations,
  ...consumerPageOperations,
  ...consumerFormOperations,
  ...consumerUsageOperations,
  ...consumerPaymentOperations,
  ...consumerPlanOperations,
  ...consumerTransactionOperations,
  ...consumerEventOperations,
  ...consumerWebhookOperations,
  ...authorizationOperations,
  ...systemOperations,
  ...systemPaymentOperations,
  ...consumerAuthorizeOperations,
  ...consumerIdentityOperations,
  ...wellKnownOperations,
];
