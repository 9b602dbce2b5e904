import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { accountMailJob, runAccountMailJob } from '../accounts/accounts.js';
import type { LoginThrottle } from '../accounts/throttle.js';
import { defaultThrottlePolicy, type ThrottlePolicy } from '../accounts/throttle.js';
import { DatabaseLoginThrottle, RedisLoginThrottle } from '../accounts/throttle-stores.js';
import { builtInActionTypes } from '../actions/index.js';
import { ActionRegistry } from '../actions/registry.js';
import { ActionRepository } from '../actions/repository.js';
import { platformOperations } from '../api/index.js';
import type { Platform } from '../api/platform.js';
import { SystemOperationRegistry } from '../api/system-registry.js';
import { AppRepository, createApp } from '../apps/repository.js';
import { Encryption } from '../auth/encryption.js';
import { KeyStore } from '../auth/keys.js';
import { PollingRevocationFeed, type RevocationFeed } from '../auth/revocation-feed.js';
import { type RightsChange, revokeTokensBeyondRights } from '../auth/rights.js';
import { RevocationList, TokenService } from '../auth/tokens.js';
import { CategoryRepository } from '../categories/repository.js';
import { ConfigBus } from '../changes/bus.js';
import { type ChangeFeed, DatabaseChangeFeed, RedisChangeFeed } from '../changes/feed.js';
import { configKinds } from '../changes/kinds.js';
import { ChangeWriter } from '../changes/unit.js';
import type { PorticoConfig } from '../config.js';
import { builtInConnectionTypes } from '../connections/index.js';
import { ConnectionManager } from '../connections/manager.js';
import { ConnectionRegistry } from '../connections/registry.js';
import { ConnectionRepository } from '../connections/repository.js';
import { ConfigBox } from '../connections/secrets.js';
import { ConnectionTokens } from '../connections/tokens.js';
import { openDatabase, type SystemDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { UserStatus } from '../db/schema.js';
import { PorticoError } from '../errors.js';
import { type EventOptions, EventService } from '../events/event-service.js';
import { CronjobRepository, EventRepository, TriggerRepository } from '../events/repository.js';
import { type ClientErrorCounter, MemoryClientErrors, RedisClientErrors } from '../firewall/client-errors.js';
import { Firewall } from '../firewall/firewall.js';
import { FirewallRepository } from '../firewall/repository.js';
import { FormRepository } from '../forms/repository.js';
import { OperationCompiler } from '../gateway/compile.js';
import { Gateway } from '../gateway/gateway.js';
import { identityProviders } from '../identity/registry.js';
import { IdentityRepository } from '../identity/repository.js';
import { durationMillis } from '../limits/duration.js';
import { RateLimiter } from '../limits/limiter.js';
import { RateRepository } from '../limits/repository.js';
import { createMailer, type MailTransport } from '../mail/index.js';
import { TrustedNetworks } from '../networks.js';
import { TestRepository } from '../operation-tests/repository.js';
import { Loopback } from '../operation-tests/runner.js';
import { OperationRepository } from '../operations/repository.js';
import { PageRepository } from '../pages/repository.js';
import { PaymentProviders } from '../payments/provider.js';
import { StripeProvider } from '../payments/stripe.js';
import { PointsLedger } from '../plans/points.js';
import { PlanRepository } from '../plans/repository.js';
import type { ActionLogger, ActionType } from '../plugins/action.js';
import type { ConnectionType } from '../plugins/connection.js';
import { RoleRepository } from '../roles/repository.js';
import { SchemaRepository } from '../schema/repository.js';
import { ScopeRepository } from '../scopes/repository.js';
import { SettingRepository } from '../settings/repository.js';
import { Settings } from '../settings/settings.js';
import { checkFolders } from '../startup.js';
import { TaxonomyRepository } from '../taxonomies/repository.js';
import { LogRetention } from '../telemetry/log-retention.js';
import { Metrics } from '../telemetry/metrics.js';
import { DatabaseRequestLog } from '../telemetry/request-log.js';
import { TrashRepository } from '../trash/repository.js';
import { createUser, UserRepository } from '../users/repository.js';
import { ReleaseRepository } from '../versions/repository.js';
import type { ClusterMember } from './cluster-member.js';
import { installDefaults } from './seed.js';

export interface PlatformOptions {
  logger?: Logger;
  /** extra action types (custom actions, tests) */
  actionTypes?: ActionType[];
  // biome-ignore lint/suspicious/noExplicitAny: connection types of every config shape
  connectionTypes?: ConnectionType<any, any>[];
  /** how often buffered request logs are written */
  requestLogIntervalMs?: number;
  /** how revocations reach the other nodes; by default each node polls the tokens table every second */
  revocationFeed?: RevocationFeed;
  /** how configuration changes reach other nodes (default: the database, plus Redis with REDIS_URL) */
  changeFeed?: ChangeFeed;
  /** where mails go instead of MAILER_URL or the log */
  mailTransport?: MailTransport;
  /** where failed logins are counted instead of Redis (REDIS_URL) or the system database */
  loginThrottle?: LoginThrottle;
  /** the login throttle's numbers (tests lengthen the back-off so a slow machine cannot outwait it) */
  loginThrottlePolicy?: Partial<ThrottlePolicy>;
  /** how often free plans are checked for a new period (default a minute; 0: only when asked, in tests) */
  pointsRenewalIntervalMs?: number;
  /** webhook delivery and cron settings (timeouts, retries, leases; whether this node runs the worker) */
  events?: EventOptions;
  /** a worker of `serve --workers N`: rate limits (without Redis) are counted in the primary */
  cluster?: ClusterMember;
}

export interface RunningPlatform {
  platform: Platform;
  /** set when this start created the admin user with a generated password */
  generatedAdminPassword: string | undefined;
  /** the migrations this start applied, oldest first */
  appliedMigrations: readonly string[];
  close(): Promise<void>;
}

export function actionLogger(logger: Logger): ActionLogger {
  return {
    debug: (msg, data) => logger.debug(data ?? {}, msg),
    info: (msg, data) => logger.info(data ?? {}, msg),
    warn: (msg, data) => logger.warn(data ?? {}, msg),
    error: (msg, data) => logger.error(data ?? {}, msg),
  };
}

/** Opens the system database, brings it up to date and builds every service of the platform. */
export async function createPlatform(config: PorticoConfig, options: PlatformOptions = {}): Promise<RunningPlatform> {
  const logger = options.logger ?? pino({ level: config.logLevel });
  checkFolders(config);
  const sdb: SystemDatabase = openDatabase(config.databaseUrl);
  try {
    const applied = await migrateToLatest(sdb);
    if (applied.length > 0) logger.info({ migrations: applied }, 'system database migrated');
    await installDefaults(sdb, platformOperations);
    return { ...(await assemble(config, sdb, logger, options)), appliedMigrations: applied };
  } catch (error) {
    await sdb.close().catch(() => {});
    throw error;
  }
}

async function assemble(
  config: PorticoConfig,
  sdb: SystemDatabase,
  logger: Logger,
  options: PlatformOptions,
): Promise<Omit<RunningPlatform, 'appliedMigrations'>> {
  const { db, dialect } = sdb;
  const settings = new Settings(db);
  await settings.load();
  const keys = await KeyStore.load(db);
  const revocations = new RevocationList();
  await revocations.load(db);
  const tokens = new TokenService(
    db,
    dialect,
    keys,
    config.publicUrl,
    {
      access: () => settings.number('authorization_token_expire') || 172800,
      refresh: () => settings.number('authorization_refresh_expire') || 259200,
    },
    revocations,
    options.revocationFeed ?? new PollingRevocationFeed(db, logger.child({ component: 'revocations' })),
  );
  const actions = new ActionRegistry();
  for (const type of [...builtInActionTypes, ...(options.actionTypes ?? [])]) actions.register(type);
  const connectionRegistry = new ConnectionRegistry();
  for (const type of [...builtInConnectionTypes, ...(options.connectionTypes ?? [])]) connectionRegistry.register(type);
  const encryption = config.secretKey
    ? Encryption.fromSecret(config.secretKey)
    : Encryption.fromKeyFile(config.dataDir);
  const configBox = new ConfigBox(encryption);
  const connections = new ConnectionManager(db, connectionRegistry, configBox, logger);
  await connections.refresh();
  const requestLog = new DatabaseRequestLog(db, dialect, sdb.raw, logger, {
    intervalMs: options.requestLogIntervalMs ?? 250,
    thread: config.requestLogThread,
  });

  const metrics = new Metrics({
    requestLogPending: () => requestLog.pending,
    requestLogDropped: () => requestLog.dropped,
    databasePool: () => poolFigures(sdb),
  });

  const system = new SystemOperationRegistry(platformOperations);
  const logForActions = actionLogger(logger.child({ component: 'action' }));
  const events = new EventService(
    {
      db,
      dialect,
      logger,
      encryption,
      actions,
      actionLogger: logForActions,
      connections,
      baseUrl: config.publicUrl,
      settings,
    },
    options.events,
  );
  const compiler = new OperationCompiler({
    actions,
    system,
    actionEnv: { logger: logForActions, connections, baseUrl: config.publicUrl },
    contextFor: { baseUrl: config.publicUrl, logger: logForActions, connections, events },
  });
  const gateway = new Gateway(db, compiler, logger);
  const rateLimits = new RateLimiter({
    db,
    logger: logger.child({ component: 'rate-limits' }),
    redis: config.redisUrl
      ? {
          url: config.redisUrl,
          prefix: config.rateLimitRedisPrefix,
          commandTimeoutMs: config.rateLimitRedisTimeoutMs,
          failure: config.rateLimitRedisFailure,
        }
      : undefined,
    cluster: options.cluster?.rateWindows,
  });
  const feedLogger = logger.child({ component: 'changes' });
  const databaseFeed = new DatabaseChangeFeed(db, feedLogger);
  const changes: ChangeFeed =
    options.changeFeed ??
    (config.redisUrl ? new RedisChangeFeed(databaseFeed, config.redisUrl, feedLogger) : databaseFeed);
  // what each subsystem caches from the configuration, rebuilt when a change touches it (here or elsewhere)
  const bus = new ConfigBus(changes, feedLogger);
  bus.on('settings', ['setting'], () => settings.load());
  bus.on('connections', ['connection'], () => connections.refresh());
  bus.on('gateway', ['operation', 'action', 'schema', 'scope'], () => gateway.reload());
  bus.on('rate limits', ['rate', 'plan', 'user'], () => rateLimits.reload());
  bus.on('events', ['event', 'trigger', 'cronjob', 'webhook'], () => events.configChanged());
  const writer = new ChangeWriter(db, bus, logger.child({ component: 'changes' }), dialect);
  const connectionConfigs = new ConnectionRepository(dialect, connectionRegistry, configBox, connections);
  const connectionTokens = new ConnectionTokens({
    db,
    registry: connectionRegistry,
    box: configBox,
    encryption,
    repository: connectionConfigs,
    write: (work) => writer.write(undefined, work),
    publicUrl: config.publicUrl,
  });
  connections.tokenRenewer = (id, stale) => connectionTokens.renew(id, stale);
  const trustedNetworks = new TrustedNetworks(config.loginTrustedNetworks);
  const firewallRules = new FirewallRepository(dialect);
  const clientErrors = new MemoryClientErrors();
  // one count per address: in Redis for every node, else in the cluster primary for the workers, else here
  const errorsRedis = config.redisUrl
    ? new RedisClientErrors(
        redisClient(config.redisUrl, logger.child({ component: 'firewall' })),
        config.rateLimitRedisPrefix,
        clientErrors,
      )
    : null;
  const errorCounter: ClientErrorCounter = errorsRedis ?? options.cluster?.clientErrors ?? clientErrors;
  const firewall = new Firewall({
    db,
    rules: firewallRules,
    changes: writer,
    logger: logger.child({ component: 'firewall' }),
    policy: () => ({
      maxRetry: settings.number('firewall_max_retry'),
      findMs: durationMillis(settings.string('firewall_find_time')) ?? 0,
      banMs: durationMillis(settings.string('firewall_ban_time')) ?? 0,
    }),
    counter: errorCounter,
    trusted: trustedNetworks,
  });
  bus.on('firewall', ['firewall'], () => firewall.reload());
  // repositories revoke after their change committed, through the pool (never inside the unit)
  const revokeBeyondRights = (change: RightsChange) => revokeTokensBeyondRights(db, tokens, change);
  const mailer = createMailer(config, logger, options.mailTransport);
  const points = new PointsLedger({
    db,
    logger: logger.child({ component: 'points' }),
    settings,
    mailer,
    publicUrl: config.publicUrl,
    renewalIntervalMs: options.pointsRenewalIntervalMs,
  });
  const stripe = new StripeProvider(settings);
  const payments = new PaymentProviders([stripe]);
  const throttlePolicy = { ...defaultThrottlePolicy, ...options.loginThrottlePolicy };
  const databaseThrottle = new DatabaseLoginThrottle(db, dialect, throttlePolicy);
  const throttleRedis =
    options.loginThrottle || !config.redisUrl
      ? null
      : RedisLoginThrottle.connect(
          config.redisUrl,
          config.rateLimitRedisPrefix,
          databaseThrottle,
          logger,
          throttlePolicy,
        );
  const loginThrottle = options.loginThrottle ?? throttleRedis ?? databaseThrottle;
  const pruner = setInterval(() => {
    revocations.prune();
    clientErrors.sweep();
    loginThrottle.prune().catch((error) => logger.warn({ err: error }, 'pruning login counters failed'));
  }, 60_000);
  pruner.unref();
  const logRetention = new LogRetention(db, logger, { days: config.logRetentionDays });
  logRetention.start();

  const platform: Platform = {
    config,
    db,
    dialect,
    logger,
    keys,
    tokens,
    actions,
    gateway,
    rateLimits,
    requestLog,
    metrics,
    points,
    payments,
    settings,
    connections,
    mailer,
    loginThrottle,
    trustedNetworks,
    events,
    startedAt: Date.now(),
    changes: writer,
    schemas: new SchemaRepository(dialect),
    actionConfigs: new ActionRepository(dialect, actions, {
      logger: logForActions,
      connections,
      baseUrl: config.publicUrl,
    }),
    operations: new OperationRepository(dialect),
    scopes: new ScopeRepository({ dialect, revokeBeyondRights }),
    roles: new RoleRepository({ dialect, revokeBeyondRights }),
    plans: new PlanRepository({ dialect, revokeBeyondRights }),
    rates: new RateRepository(dialect),
    firewall,
    firewallRules,
    connectionConfigs,
    connectionTokens,
    identities: new IdentityRepository(dialect, identityProviders, configBox),
    users: new UserRepository({ db, dialect, settings, changes: writer, tokens }),
    apps: new AppRepository({ db, dialect, changes: writer, tokens }),
    eventConfigs: new EventRepository(dialect),
    triggers: new TriggerRepository(dialect),
    cronjobs: new CronjobRepository(dialect),
    pages: new PageRepository(dialect),
    forms: new FormRepository(dialect),
    taxonomies: new TaxonomyRepository(dialect),
    releases: new ReleaseRepository(),
    categories: new CategoryRepository(dialect),
    trash: new TrashRepository(dialect),
    tests: new TestRepository(dialect),
    loopback: new Loopback(),
    configValues: new SettingRepository(),
    async configChanged(kinds = configKinds) {
      // a change made outside a unit: announced on its own, after it was committed
      await bus.record(db, kinds);
      await bus.committed(kinds);
    },
  };
  system.bind(platform);
  // account mails go through the outbox: a crash between the request and the mail server loses none
  events.registerJob(accountMailJob, (payload) => runAccountMailJob(platform, payload));
  await Promise.all([gateway.reload(), rateLimits.reload(), firewall.reload()]);
  rateLimits.start();
  const generatedAdminPassword = await ensureAdmin(platform);
  tokens.start(logger);
  await events.start();
  points.start();
  bus.start();

  let closed = false;
  return {
    platform,
    generatedAdminPassword,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(pruner);
      await logRetention.close();
      await bus.close();
      // deliveries and cron runs in flight finish (bounded) while the database and connections are open
      await events.close();
      await rateLimits.close();
      await tokens.close();
      await throttleRedis?.close();
      await errorsRedis?.close();
      await requestLog.close();
      await points.close();
      await stripe.close();
      // queued mails may still read the database (password reset): before it closes
      await mailer.close();
      await connections.closeAll();
      await sdb.close();
    },
  };
}

/** A Redis client that fails at once while Redis is away (no offline queue) and reconnects by itself. */
function redisClient(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 500,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  });
  redis.on('error', (error) => logger.debug({ err: error.message }, 'firewall: redis unavailable'));
  return redis;
}

/** The first administrator's user name: the part of their email before the @, as a valid name. */
export function adminNameOf(email: string): string {
  const name = email.split('@')[0]?.replace(/[^a-zA-Z0-9\-_.]/g, '') ?? '';
  return name.length >= 3 ? name.slice(0, 64) : 'admin';
}

/**
 * The first start creates the administrator: from PORTICO_ADMIN_EMAIL/PASSWORD, or with a random
 * password that is returned (and printed once by the caller).
 */
async function ensureAdmin(platform: Platform): Promise<string | undefined> {
  const role = await platform.db
    .selectFrom('roles')
    .select('id')
    .where('name', '=', 'Administrator')
    .executeTakeFirst();
  if (!role) return undefined;
  const admin = await platform.db
    .selectFrom('users')
    .select('id')
    .where('role_id', '=', role.id)
    .where('status', '!=', UserStatus.deleted)
    .executeTakeFirst();
  if (admin) return undefined;
  const email = platform.config.adminEmail ?? 'admin@localhost.localdomain';
  const generated = platform.config.adminPassword ? undefined : randomBytes(12).toString('base64url');
  let adminId: number;
  try {
    adminId = await createUser(platform, {
      roleId: role.id,
      name: adminNameOf(email),
      email,
      password: platform.config.adminPassword ?? generated,
      status: UserStatus.active,
    });
  } catch (error) {
    // another node starting at the same moment created it first
    if (error instanceof PorticoError && error.status === 409) return undefined;
    throw error;
  }
  await createPortalApp(platform, adminId);
  return generated;
}

/**
 * A fresh install's app for the developer portal Portico serves (Fusio's "Developer" app): what an
 * identity provider is configured for, so social logins from the portal work without creating an app
 * first. Its secret is never shown and it has no scopes: it authenticates nobody by itself.
 */
async function createPortalApp(platform: Platform, adminId: number): Promise<void> {
  try {
    await createApp(platform, {
      userId: adminId,
      name: 'Developer',
      url: `${platform.config.publicUrl.replace(/\/+$/, '')}/apps/developer`,
      scopes: [],
    });
  } catch (error) {
    // a convenience, not a condition of starting (a PUBLIC_URL too long for an app URL, say)
    platform.logger.warn({ err: error }, 'the Developer app for the portal could not be created');
  }
}

/** Connections of the system database pool, for /metrics (SQLite has no pool). */
function poolFigures(sdb: SystemDatabase): { total: number; idle: number; waiting: number } | null {
  const raw = sdb.raw;
  if (raw.dialect === 'postgres') {
    return { total: raw.pool.totalCount, idle: raw.pool.idleCount, waiting: raw.pool.waitingCount };
  }
  if (raw.dialect === 'mysql') {
    // mysql2 keeps these lists on the pool; they are not typed
    const pool = raw.pool as unknown as {
      _allConnections?: { length: number };
      _freeConnections?: { length: number };
      _connectionQueue?: { length: number };
    };
    return {
      total: pool._allConnections?.length ?? 0,
      idle: pool._freeConnections?.length ?? 0,
      waiting: pool._connectionQueue?.length ?? 0,
    };
  }
  return null;
}
