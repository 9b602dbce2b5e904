import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { LoginThrottle } from '../accounts/throttle.js';
import type { ActionRegistry } from '../actions/registry.js';
import type { ActionRepository } from '../actions/repository.js';
import type { AppRepository } from '../apps/repository.js';
import type { KeyStore } from '../auth/keys.js';
import type { TokenService } from '../auth/tokens.js';
import type { CategoryRepository } from '../categories/repository.js';
import type { ConfigKind } from '../changes/kinds.js';
import type { ChangeWriter } from '../changes/unit.js';
import type { PorticoConfig } from '../config.js';
import type { ConnectionManager } from '../connections/manager.js';
import type { ConnectionRepository } from '../connections/repository.js';
import type { ConnectionTokens } from '../connections/tokens.js';
import type { DialectName } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { EventService } from '../events/event-service.js';
import type { CronjobRepository, EventRepository, TriggerRepository } from '../events/repository.js';
import type { Firewall } from '../firewall/firewall.js';
import type { FirewallRepository } from '../firewall/repository.js';
import type { FormRepository } from '../forms/repository.js';
import type { Gateway } from '../gateway/gateway.js';
import type { IdentityRepository } from '../identity/repository.js';
import type { RateLimiter } from '../limits/limiter.js';
import type { RateRepository } from '../limits/repository.js';
import type { Mailer } from '../mail/mailer.js';
import type { TrustedNetworks } from '../networks.js';
import type { TestRepository } from '../operation-tests/repository.js';
import type { Loopback } from '../operation-tests/runner.js';
import type { OperationRepository } from '../operations/repository.js';
import type { PageRepository } from '../pages/repository.js';
import type { PaymentProviders } from '../payments/provider.js';
import type { PointsLedger } from '../plans/points.js';
import type { PlanRepository } from '../plans/repository.js';
import type { RoleRepository } from '../roles/repository.js';
import type { SchemaRepository } from '../schema/repository.js';
import type { ScopeRepository } from '../scopes/repository.js';
import type { SettingRepository } from '../settings/repository.js';
import type { Settings } from '../settings/settings.js';
import type { TaxonomyRepository } from '../taxonomies/repository.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { RequestLogSink } from '../telemetry/request-log.js';
import type { TrashRepository } from '../trash/repository.js';
import type { UserRepository } from '../users/repository.js';
import type { ReleaseRepository } from '../versions/repository.js';

/** The running platform: every service a handler may use, built once at start by `createPlatform`. */
export interface Platform {
  readonly config: PorticoConfig;
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  readonly logger: Logger;
  readonly keys: KeyStore;
  readonly tokens: TokenService;
  readonly actions: ActionRegistry;
  readonly gateway: Gateway;
  /** rate limits: the compiled rates and where requests are counted (memory, or Redis with REDIS_URL) */
  readonly rateLimits: RateLimiter;
  readonly requestLog: RequestLogSink;
  readonly metrics: Metrics;
  /** users' points: debits for operations with costs, usage records, renewal of free plans */
  readonly points: PointsLedger;
  /** payment providers by name (stripe) */
  readonly payments: PaymentProviders;
  readonly settings: Settings;
  readonly connections: ConnectionManager;
  readonly mailer: Mailer;
  /** failed password logins per account and IP (consumer login and the token endpoint) */
  readonly loginThrottle: LoginThrottle;
  /** LOGIN_TRUSTED_NETWORKS: where only the account-from-this-address counter applies */
  readonly trustedNetworks: TrustedNetworks;
  /** events: the outbox actions dispatch into, webhook delivery, triggers and cronjobs */
  readonly events: EventService;
  readonly startedAt: number;
  /** opens a unit: one change, its audit row and its announcement, in one transaction */
  readonly changes: ChangeWriter;
  readonly schemas: SchemaRepository;
  /** the stored actions (`actions` is the registry of action types) */
  readonly actionConfigs: ActionRepository;
  readonly operations: OperationRepository;
  readonly scopes: ScopeRepository;
  readonly roles: RoleRepository;
  readonly plans: PlanRepository;
  readonly rates: RateRepository;
  /** the firewall on the hot path: compiled rules, client errors counted for automatic bans */
  readonly firewall: Firewall;
  /** the stored firewall rules */
  readonly firewallRules: FirewallRepository;
  /** the stored connections (`connections` holds their live clients) */
  readonly connectionConfigs: ConnectionRepository;
  /** the OAuth2 authorization code flow of connections: redirect, callback, renewal */
  readonly connectionTokens: ConnectionTokens;
  /** the identity providers developers log in with */
  readonly identities: IdentityRepository;
  /** the events developers subscribe to, the triggers that react to them, the cronjobs */
  readonly eventConfigs: EventRepository;
  readonly triggers: TriggerRepository;
  readonly cronjobs: CronjobRepository;
  /** the developers (and administrators) and their apps */
  readonly apps: AppRepository;
  readonly users: UserRepository;
  /** the developer portal's content pages */
  readonly pages: PageRepository;
  /** the developer portal's forms, bound to operations */
  readonly forms: FormRepository;
  /** the stored test request of each operation, and the way back into the pipeline that runs them */
  readonly tests: TestRepository;
  readonly loopback: Loopback;
  /** deleted configuration, kept to be restored */
  readonly trash: TrashRepository;
  /** groups of operations, scopes and the rest (Fusio's categories) */
  readonly categories: CategoryRepository;
  /** the admin app's folders of operations, actions, schemas, events, cronjobs and triggers */
  readonly taxonomies: TaxonomyRepository;
  /** releases: the tags `Api-Version` selects */
  readonly releases: ReleaseRepository;
  /** the settings as stored (`settings` is their cache) */
  readonly configValues: SettingRepository;
  /** announces a change made outside a unit (custom actions reloaded from disk) */
  configChanged(kinds?: readonly ConfigKind[]): Promise<void>;
}
