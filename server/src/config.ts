import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { isNetwork } from './networks.js';

/** OpenTelemetry tracing, from the standard OTEL_* variables. */
export interface TracingConfig {
  /** OTLP/HTTP traces URL (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces) */
  endpoint: string;
  serviceName: string;
  sampler: TraceSamplerName;
  /** the ratio of the traceidratio samplers */
  samplerRatio: number;
  /** how long finished spans wait to be sent in one batch */
  scheduleDelayMs: number;
}

export const traceSamplers = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type TraceSamplerName = (typeof traceSamplers)[number];

/** Everything Portico reads from the environment, parsed once at start into a typed object. */
export interface PorticoConfig {
  port: number;
  host: string;
  databaseUrl: string;
  publicUrl: string;
  dataDir: string;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  mailerUrl: string | undefined;
  redisUrl: string | undefined;
  /** rate limits with REDIS_URL: what requests get while Redis cannot be reached */
  rateLimitRedisFailure: 'open' | 'closed';
  /** rate limits with REDIS_URL: put before every key, so installations sharing a Redis do not mix */
  rateLimitRedisPrefix: string;
  /** rate limits with REDIS_URL: a Redis answer slower than this counts as Redis being down */
  rateLimitRedisTimeoutMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** JSON lines, readable lines, or readable when standard output is a terminal */
  logFormat: 'json' | 'pretty' | 'auto';
  /** one log line per request (method, path, status, time): off by default, and then free */
  logRequests: boolean;
  /** SQLite: the request log written by a worker thread (true) or on the serving thread */
  requestLogThread: boolean;
  /** request logs older than this many days are deleted in small batches; 0 keeps them */
  logRetentionDays: number;
  debug: boolean;
  corsOrigins: string[] | '*';
  bodyLimit: number;
  trustProxy: boolean;
  /** addresses and CIDRs whose logins only the account-from-this-address counter throttles */
  loginTrustedNetworks: string[];
  /** encrypts connection credentials at rest; generated into the data folder when unset */
  secretKey: string | undefined;
  /** a static bearer token for /metrics (Prometheus); an administrator's access token works too */
  metricsToken: string | undefined;
  /** /metrics without any token (only behind a network that keeps strangers out) */
  metricsPublic: boolean;
  /** folder of custom action modules */
  actionsDir: string;
  /** the web build Portico serves at /apps/ (web/dist of this repository unless PORTICO_WEB_DIR) */
  webDir: string;
  /** reload custom actions when their files change (development) */
  actionsWatch: boolean;
  /** processes `portico serve` runs (node:cluster workers sharing the port); 1 = one process, as before */
  workers: number;
  /** at shutdown, how long requests in flight may take to finish before their connections are closed */
  shutdownGraceMs: number;
  /** OpenTelemetry tracing; undefined when no OTLP endpoint is set (nothing is loaded then) */
  tracing: TracingConfig | undefined;
}

/**
 * The web build: apps/ in an installed package (`npm pack` puts it beside dist/; a checkout, which has a
 * tsconfig.json, never reads a copy a broken pack left), else web/dist beside server/ (the same two levels
 * up from server/src and from server/dist).
 */
const packagedWebDir = fileURLToPath(new URL('../apps', import.meta.url));
const installed = !fs.existsSync(new URL('../tsconfig.json', import.meta.url));
const defaultWebDir =
  installed && fs.existsSync(packagedWebDir)
    ? packagedWebDir
    : fileURLToPath(new URL('../../web/dist', import.meta.url));

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', ''].includes(v), 'must be true or false')
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const url = (protocols: string[], example: string) =>
  z
    .string()
    .trim()
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')} (e.g. ${example})`,
    );

const envSchema = z.object({
  PORT: z.coerce
    .number({ message: 'must be a number' })
    .int('must be an integer')
    .min(1, 'must be between 1 and 65535')
    .max(65535, 'must be between 1 and 65535')
    .default(8080),
  HOST: z.string().trim().min(1, 'must not be empty').default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .trim()
    .refine(
      (v) => /^sqlite:.+/.test(v) || /^postgres(ql)?:\/\/.+/.test(v) || /^(mysql|mariadb):\/\/.+/.test(v),
      'must be sqlite:PATH, postgres://USER@HOST/DB or mysql://USER@HOST/DB',
    )
    .optional(),
  PUBLIC_URL: url(['http:', 'https:'], 'https://api.example.com').optional(),
  PORTICO_ADMIN_EMAIL: z.string().trim().email('must be an email address').optional(),
  PORTICO_ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  MAILER_URL: url(['smtp:', 'smtps:'], 'smtp://user:pass@mail.example.com:587').optional(),
  REDIS_URL: url(['redis:', 'rediss:'], 'redis://127.0.0.1:6379').optional(),
  RATE_LIMIT_REDIS_FAILURE: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['open', 'closed'], { message: 'must be open or closed' }))
    .default('open'),
  RATE_LIMIT_REDIS_PREFIX: z.string().trim().min(1, 'must not be empty').max(100).default('portico:rate:'),
  RATE_LIMIT_REDIS_TIMEOUT: z.coerce
    .number({ message: 'must be a number of milliseconds' })
    .int('must be an integer number of milliseconds')
    .min(1, 'must be at least 1 millisecond')
    .max(60_000, 'must be at most 60000 milliseconds')
    .default(100),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['json', 'pretty', 'auto'], { message: 'must be json, pretty or auto' }))
    .default('auto'),
  LOG_REQUESTS: bool.default(false),
  REQUEST_LOG_THREAD: bool.default(true),
  LOG_RETENTION_DAYS: z.coerce
    .number({ message: 'must be a number of days' })
    .int('must be a whole number of days')
    .min(0, 'must be 0 (keep every log) or more days')
    .default(90),
  PORTICO_DEBUG: bool.default(false),
  CORS_ORIGIN: z.string().trim().default('*'),
  BODY_LIMIT: z.coerce
    .number({ message: 'must be a number of bytes' })
    .int('must be an integer number of bytes')
    .min(1024, 'must be at least 1024 bytes')
    .default(1048576),
  TRUST_PROXY: bool.default(false),
  LOGIN_TRUSTED_NETWORKS: z
    .string()
    .trim()
    .transform((v) =>
      v
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean),
    )
    .refine((list) => list.every(isNetwork), 'must be addresses or CIDRs separated by commas, e.g. 10.0.0.0/8,::1')
    .default([]),
  PORTICO_DATA_DIR: z.string().trim().min(1).optional(),
  PORTICO_SECRET_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  ACTIONS_DIR: z.string().trim().min(1).optional(),
  PORTICO_WEB_DIR: z.string().trim().min(1).optional(),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  METRICS_PUBLIC: bool.default(false),
  ACTIONS_WATCH: bool.default(false),
  WORKERS: z
    .string()
    .trim()
    .toLowerCase()
    .refine(
      (v) => v === 'auto' || (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 1024),
      'must be a number of processes from 1 to 1024, or auto (one per core)',
    )
    .default('1'),
  SHUTDOWN_GRACE_PERIOD: z.coerce
    .number({ message: 'must be a number of seconds' })
    .min(0, 'must not be negative')
    .max(3600, 'must be at most 3600 seconds')
    .default(25),
  OTEL_EXPORTER_OTLP_ENDPOINT: url(['http:', 'https:'], 'http://otel-collector:4318').optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url(['http:', 'https:'], 'http://otel-collector:4318/v1/traces').optional(),
  OTEL_SERVICE_NAME: z.string().trim().min(1).max(200).default('portico'),
  OTEL_TRACES_SAMPLER: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(traceSamplers, { message: `must be one of ${traceSamplers.join(', ')}` }))
    .default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce
    .number({ message: 'must be a ratio from 0 to 1' })
    .min(0, 'must be a ratio from 0 to 1')
    .max(1, 'must be a ratio from 0 to 1')
    .default(1),
  OTEL_BSP_SCHEDULE_DELAY: z.coerce
    .number({ message: 'must be a number of milliseconds' })
    .int('must be an integer number of milliseconds')
    .min(1, 'must be at least 1 millisecond')
    .max(600_000, 'must be at most 600000 milliseconds')
    .default(5000),
  OTEL_SDK_DISABLED: bool.default(false),
});

/** Parses the environment; throws a ConfigError listing every bad value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): PorticoConfig {
  // empty strings mean "unset", as a shell `FOO= portico serve` intends
  const cleaned: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '');
      const got = cleaned[key];
      // values that may carry credentials are never echoed
      const shown = /PASSWORD|SECRET|URL|TOKEN/.test(key) || got === undefined ? '' : ` (got "${got}")`;
      return `${key}: ${issue.message}${shown}`;
    });
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const workers = e.WORKERS === 'auto' ? os.availableParallelism() : Number(e.WORKERS);
  if (workers > 1 && e.DATABASE_URL === 'sqlite::memory:') {
    // each worker would have a database of its own
    throw new ConfigError(['WORKERS: several workers need a shared system database, not sqlite::memory:']);
  }
  // npm runs workspace scripts inside the workspace folder; INIT_CWD is where the user typed the command
  const baseDir = env.INIT_CWD ?? process.cwd();
  const dataDir = path.resolve(baseDir, e.PORTICO_DATA_DIR ?? 'data');
  const databaseUrl = e.DATABASE_URL ?? `sqlite:${path.join(dataDir, 'portico.db')}`;
  const publicHost = e.HOST === '0.0.0.0' || e.HOST === '::' ? '127.0.0.1' : e.HOST;
  const publicUrl = (e.PUBLIC_URL ?? `http://${publicHost}:${e.PORT}`).replace(/\/+$/, '');
  const corsOrigins =
    e.CORS_ORIGIN === '*'
      ? '*'
      : e.CORS_ORIGIN.split(',')
          .map((o) => o.trim())
          .filter(Boolean);
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: resolveSqlitePath(databaseUrl, baseDir),
    publicUrl,
    dataDir,
    adminEmail: e.PORTICO_ADMIN_EMAIL,
    adminPassword: e.PORTICO_ADMIN_PASSWORD,
    mailerUrl: e.MAILER_URL,
    redisUrl: e.REDIS_URL,
    rateLimitRedisFailure: e.RATE_LIMIT_REDIS_FAILURE,
    rateLimitRedisPrefix: e.RATE_LIMIT_REDIS_PREFIX,
    rateLimitRedisTimeoutMs: e.RATE_LIMIT_REDIS_TIMEOUT,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    logRequests: e.LOG_REQUESTS,
    requestLogThread: e.REQUEST_LOG_THREAD,
    logRetentionDays: e.LOG_RETENTION_DAYS,
    debug: e.PORTICO_DEBUG,
    corsOrigins,
    bodyLimit: e.BODY_LIMIT,
    trustProxy: e.TRUST_PROXY,
    loginTrustedNetworks: e.LOGIN_TRUSTED_NETWORKS,
    secretKey: e.PORTICO_SECRET_KEY,
    metricsToken: e.METRICS_TOKEN,
    metricsPublic: e.METRICS_PUBLIC,
    actionsDir: path.resolve(baseDir, e.ACTIONS_DIR ?? 'actions'),
    actionsWatch: e.ACTIONS_WATCH,
    webDir: e.PORTICO_WEB_DIR ? path.resolve(baseDir, e.PORTICO_WEB_DIR) : defaultWebDir,
    workers,
    shutdownGraceMs: Math.round(e.SHUTDOWN_GRACE_PERIOD * 1000),
    tracing: tracingConfig(e),
  };
}

/** The standard rule: the traces endpoint as given, or the general endpoint with /v1/traces appended. */
function tracingConfig(e: z.infer<typeof envSchema>): TracingConfig | undefined {
  if (e.OTEL_SDK_DISABLED) return undefined;
  const endpoint =
    e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (e.OTEL_EXPORTER_OTLP_ENDPOINT ? `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` : undefined);
  if (endpoint === undefined) return undefined;
  return {
    endpoint,
    serviceName: e.OTEL_SERVICE_NAME,
    sampler: e.OTEL_TRACES_SAMPLER,
    samplerRatio: e.OTEL_TRACES_SAMPLER_ARG,
    scheduleDelayMs: e.OTEL_BSP_SCHEDULE_DELAY,
  };
}

function resolveSqlitePath(databaseUrl: string, baseDir: string): string {
  if (!databaseUrl.startsWith('sqlite:')) return databaseUrl;
  const file = databaseUrl.slice('sqlite:'.length);
  if (file === ':memory:') return databaseUrl;
  return `sqlite:${path.resolve(baseDir, file)}`;
}
