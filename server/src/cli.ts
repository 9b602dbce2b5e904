import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { Command, InvalidArgumentError } from 'commander';
import type { Kysely } from 'kysely';
import pino from 'pino';
import { findUserByLogin } from './accounts/login.js';
import { accountName } from './accounts/throttle.js';
import { CustomActionLoader } from './actions/custom/loader.js';
import { runAndRecord } from './api/backend/test.js';
import {
  deployConfiguration,
  describeChanges,
  exportConfiguration,
  operationsByName,
} from './api/configuration/engine.js';
import { configurationSchema, parseConfiguration, renderConfiguration, schemaPath } from './api/configuration/file.js';
import { importOpenApi } from './api/configuration/openapi.js';
import { deployRemotely } from './api/configuration/remote.js';
import { platformOperations } from './api/index.js';
import { createPortico } from './app.js';
import type { Caller } from './auth/caller.js';
import { rotateSigningKeys } from './auth/keys.js';
import { hashPassword } from './auth/passwords.js';
import { userScopes } from './auth/scopes.js';
import { PendingAudit } from './changes/audit.js';
import { joinCluster } from './cluster/member.js';
import { runPrimary } from './cluster/primary.js';
import { printAdminPassword, serveProcess } from './cluster/serve-process.js';
import { ConfigError, loadConfig, type PorticoConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { type Database, UserStatus } from './db/schema.js';
import { serveMcp } from './mcp/stdio.js';
import type { TestOutcome } from './operation-tests/runner.js';
import { TestStatus, testStatusNames } from './operation-tests/tables.js';
import { createPlatform } from './runtime/create-platform.js';
import { describeStartupFailure } from './startup.js';
import { createLogger } from './telemetry/logger.js';
import { assertPassword, createUser } from './users/repository.js';
import { portico } from './version.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError('must be a port between 1 and 65535');
  return n;
}

/** The configuration the running command uses, for describing what went wrong with it. */
let current: PorticoConfig | undefined;

function safeConfig(): PorticoConfig {
  return current ?? loadConfig({});
}

function config(overrides: Partial<Record<string, string>> = {}): PorticoConfig {
  current = loadConfig({
    ...process.env,
    ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)),
  });
  return current;
}

async function serve(options: { port?: number; host?: string; workers?: string }): Promise<void> {
  const cfg = config({ PORT: options.port?.toString(), HOST: options.host, WORKERS: options.workers });
  const logger = createLogger(cfg);
  if (cfg.workers <= 1) return serveProcess(cfg, logger);
  if (cluster.isPrimary) return runPrimary(cfg, logger);
  const id = cluster.worker?.id ?? 0;
  return serveProcess(cfg, logger.child({ worker: id }), { cluster: joinCluster(id) });
}

/** Commands that run and exit must not start delivering webhooks or running cronjobs. */
const oneShot = { events: { worker: false, scheduler: false } };

async function migrate(): Promise<void> {
  const cfg = config();
  const running = await createPlatform(cfg, { logger: pino({ level: 'warn' }), ...oneShot });
  await running.close();
  const applied = running.appliedMigrations;
  if (applied.length === 0) process.stdout.write('System database is up to date: no migration was pending.\n');
  else {
    process.stdout.write(`Applied ${applied.length} migration${applied.length === 1 ? '' : 's'}:\n`);
    for (const name of applied) process.stdout.write(`  ${name}\n`);
    process.stdout.write('System database is up to date.\n');
  }
  if (running.generatedAdminPassword) printAdminPassword(cfg, running.generatedAdminPassword);
}

/** Sets a user's password (a random one, printed once, when none is given) and ends their sessions. */
async function setPassword(login: string, options: { password?: string }): Promise<void> {
  const cfg = config();
  const running = await createPlatform(cfg, { logger: pino({ level: 'warn' }), ...oneShot });
  try {
    const { platform } = running;
    const found = await findUserByLogin(platform.db, login);
    if (!found) throw new Error(`User "${login}" does not exist`);
    const password = options.password ?? randomBytes(12).toString('base64url');
    assertPassword(platform, password);
    await platform.db
      .updateTable('users')
      .set({ password: await hashPassword(password) })
      .where('id', '=', found.id)
      .execute();
    await platform.tokens.revokeWhere({ userId: found.id });
    await platform.loginThrottle.unlock(accountName(login, found));
    process.stdout.write(`New password set for ${found.name}; their sessions and tokens were revoked.\n`);
    if (!options.password) process.stderr.write(`Password: ${password}\n`);
  } finally {
    await running.close();
  }
}

async function addUser(options: { name: string; email: string; password?: string; role: string }): Promise<void> {
  const cfg = config();
  const running = await createPlatform(cfg, { logger: pino({ level: 'warn' }), ...oneShot });
  try {
    const { platform } = running;
    const role = await platform.db.selectFrom('roles').select('id').where('name', '=', options.role).executeTakeFirst();
    if (!role) throw new Error(`Role "${options.role}" does not exist`);
    const password = options.password ?? randomBytes(12).toString('base64url');
    const id = await createUser(platform, { roleId: role.id, name: options.name, email: options.email, password });
    process.stdout.write(`Created user ${options.name} (id ${id}, role ${options.role}).\n`);
    if (!options.password) process.stdout.write(`Password: ${password}\n`);
  } finally {
    await running.close();
  }
}

/** Lets an account log in again at once, from anywhere: its failed-login counters are forgotten. */
async function unlockUser(login: string): Promise<void> {
  const cfg = config();
  const running = await createPlatform(cfg, { logger: pino({ level: 'warn' }), ...oneShot });
  try {
    const { platform } = running;
    const found = await findUserByLogin(platform.db, login);
    if (!found) throw new Error(`User "${login}" does not exist`);
    const cleared = await platform.loginThrottle.unlock(accountName(login, found));
    process.stdout.write(
      `Unlocked ${found.name}: ${cleared} failed-login counter${cleared === 1 ? '' : 's'} cleared; it can log in now.\n`,
    );
  } finally {
    await running.close();
  }
}

/** A new signing key for every node; the old ones keep verifying until the tokens they signed expire. */
async function rotateKeys(): Promise<void> {
  const sdb = openDatabase(config().databaseUrl);
  try {
    await migrateToLatest(sdb);
    const { kid, retired, deleted } = await rotateSigningKeys(sdb.db);
    process.stdout.write(`New signing key: ${kid}\n`);
    if (retired.length > 0) process.stdout.write(`Retired (still verifying): ${retired.join(', ')}\n`);
    if (deleted.length > 0) process.stdout.write(`Deleted (no live token needs them): ${deleted.join(', ')}\n`);
    process.stdout.write('Running nodes sign with the new key within 30 seconds.\n');
  } finally {
    await sdb.close();
  }
}

/** Tags the current commit of every action and schema as a release, through the backend's own operation. */
async function releaseCommand(version: string): Promise<void> {
  const running = await createPlatform(config(), { logger: pino({ level: 'warn' }), ...oneShot });
  try {
    const { platform } = running;
    const audit = new PendingAudit({
      userId: null,
      appId: null,
      event: 'backend.release.create',
      ip: '127.0.0.1',
      message: `backend.release.create by release ${version}`,
      content: { version },
    });
    const tagged = await platform.changes.write({ audit }, (unit) => platform.releases.release(unit, version));
    process.stdout.write(
      `Release ${version}: ${tagged.actions} actions and ${tagged.schemas} schemas tagged. Callers select it with Api-Version: ${version}\n`,
    );
  } finally {
    await running.close();
  }
}

/** The operator at the command line: the administrator's rights, no user (audit rows name the command). */
const operator: Caller = {
  user: null,
  app: null,
  token: null,
  scopes: ['authorization', 'backend', 'consumer', 'default'],
};

/**
 * The platform `export` and `deploy` read and write through: with the custom actions of ACTIONS_DIR, as
 * `serve` has them, so a file's actions of those classes are checked and created as the API would.
 */
async function configurationPlatform() {
  const logger = pino({ level: 'warn' });
  const { types } = await new CustomActionLoader(config().actionsDir, logger).scan();
  const running = await createPlatform(config(), { logger, ...oneShot, actionTypes: types });
  // a deploy into a fresh database creates the administrator: its generated password is shown once, here
  if (running.generatedAdminPassword) printAdminPassword(config(), running.generatedAdminPassword);
  return running;
}

function writeOut(text: string, output: string | undefined): void {
  if (output) fs.writeFileSync(output, text);
  else process.stdout.write(text);
}

/**
 * `portico mcp`: Portico without a listening port, its operations as MCP tools on stdin/stdout. Logs go to
 * stderr (stdout is the protocol); cron and webhook delivery stay with the serving nodes.
 */
async function mcpCommand(options: { token?: string }): Promise<void> {
  const token = options.token ?? process.env.PORTICO_MCP_TOKEN ?? '';
  if (token === '') throw new ConfigError(['portico mcp needs an access token: --token or PORTICO_MCP_TOKEN']);
  const cfg = config();
  const logger = pino({ level: cfg.logLevel === 'silent' ? 'silent' : 'warn' }, pino.destination(2));
  const running = await createPortico(cfg, { logger, ...oneShot });
  let served: { close(): Promise<void> };
  const transport = new StdioServerTransport();
  try {
    served = await serveMcp({ ...running.mcp, gateway: running.platform.gateway }, transport, token);
  } catch (error) {
    await running.close();
    throw new ConfigError([`portico mcp: the token is not accepted (${(error as Error).message})`]);
  }
  await new Promise<void>((resolve) => {
    transport.onclose = resolve;
    process.stdin.on('end', resolve);
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await served.close();
  await running.close();
}

async function exportCommand(options: { output?: string; schema?: boolean }): Promise<void> {
  if (options.schema) return writeOut(`${JSON.stringify(configurationSchema(), null, 2)}\n`, options.output);
  const running = await configurationPlatform();
  try {
    const result = await exportConfiguration(running.platform, operationsByName(platformOperations), operator);
    writeOut(result.yaml, options.output);
    if (options.output) process.stderr.write(`Wrote the configuration to ${options.output}.\n`);
    if (result.variables.length > 0) {
      process.stderr.write(`Credentials are not exported; a deploy reads them from: ${result.variables.join(', ')}\n`);
    }
  } finally {
    await running.close();
  }
}

/** Applies a file's entries through the system database: every node hears of the change by the change feed. */
async function applyFile(text: string, label: string, options: { dryRun?: boolean; prune?: boolean }): Promise<void> {
  const file = parseConfiguration(text);
  const running = await configurationPlatform();
  try {
    const result = await deployConfiguration(
      running.platform,
      operationsByName(platformOperations),
      { caller: operator, label, ip: '127.0.0.1' },
      file,
      { env: process.env, prune: options.prune === true, dryRun: options.dryRun === true },
    );
    process.stdout.write(`${describeChanges(result.changes).join('\n')}\n`);
    if (options.dryRun) process.stdout.write('Dry run: nothing was changed.\n');
    else if (result.applied) process.stdout.write(`Applied ${result.changes.length} changes.\n`);
  } finally {
    await running.close();
  }
}

async function deployCommand(
  path: string,
  options: { dryRun?: boolean; prune?: boolean; url?: string; token?: string },
): Promise<void> {
  const url = options.url ?? process.env.PORTICO_URL;
  if (url) {
    const token = options.token ?? process.env.PORTICO_TOKEN;
    if (!token) throw new Error('--url needs a backend token: --token or PORTICO_TOKEN');
    const result = await deployRemotely(
      fs.readFileSync(path, 'utf8'),
      { url, token },
      {
        env: process.env,
        dryRun: options.dryRun === true,
        prune: options.prune === true,
      },
    );
    process.stdout.write(`${result.lines.join('\n')}\n`);
    if (options.dryRun) process.stdout.write('Dry run: nothing was changed.\n');
    else if (result.applied) process.stdout.write(`Applied ${result.changes} changes.\n`);
    return;
  }
  await applyFile(fs.readFileSync(path, 'utf8'), `deploy ${path.split(/[\\/]/).pop()}`, options);
}

async function importCommand(
  document: string,
  options: { upstream: string; output?: string; apply?: boolean; dryRun?: boolean },
): Promise<void> {
  const imported = importOpenApi(fs.readFileSync(document, 'utf8'), options.upstream);
  const yaml = renderConfiguration(imported.file, `${config().publicUrl}${schemaPath}`, [
    `Imported from ${document.split(/[\\/]/).pop()}: ${imported.operations} operations proxied to ${options.upstream}`,
  ]);
  if (options.apply || options.dryRun) {
    await applyFile(yaml, `import ${document.split(/[\\/]/).pop()}`, { dryRun: options.dryRun === true });
    if (options.output) fs.writeFileSync(options.output, yaml);
    return;
  }
  writeOut(yaml, options.output);
}

/**
 * Refreshes and runs the stored test of every operation in-process, through the same pipeline a request
 * takes, as `login` (tokens minted for them with the operation's scopes they hold). Prints a table; the
 * exit code is 1 when a test failed (or, with --strict, warned).
 */
async function testCommand(options: { user?: string; refresh?: boolean; strict?: boolean }): Promise<void> {
  const portico = await createPortico(config(), { logger: pino({ level: 'warn' }), ...oneShot });
  try {
    const { platform } = portico;
    const login = options.user ?? (await firstAdministrator(platform.db));
    const found = login ? await findUserByLogin(platform.db, login) : undefined;
    if (!found || found.status !== UserStatus.active) {
      throw new Error(
        login ? `User "${login}" does not exist or is not active` : 'No active administrator: use --user',
      );
    }
    if (options.refresh !== false) await platform.changes.write(undefined, (unit) => platform.tests.refresh(unit));
    const outcomes = await runAndRecord(
      platform,
      {
        user: { id: found.id, name: found.name, email: found.email ?? undefined },
        scopes: await userScopes(platform.db, found.id, found.role_id),
        ip: '127.0.0.1',
      },
      { caller: { user: { id: found.id }, app: null } },
    );
    process.stdout.write(testTable(outcomes));
    const failed = outcomes.filter(
      (o) => o.status === TestStatus.error || (options.strict && o.status === TestStatus.warning),
    );
    if (failed.length > 0) process.exitCode = 1;
  } finally {
    await portico.close();
  }
}

async function firstAdministrator(db: Kysely<Database>): Promise<string | undefined> {
  const row = await db
    .selectFrom('users')
    .innerJoin('roles', 'roles.id', 'users.role_id')
    .select('users.name')
    .where('roles.name', '=', 'Administrator')
    .where('users.status', '=', UserStatus.active)
    .orderBy('users.id')
    .executeTakeFirst();
  return row?.name;
}

/** The run as a plain-text table, then one line of totals. */
export function testTable(outcomes: readonly TestOutcome[]): string {
  const rows = outcomes.map((o) => [
    testStatusNames[o.status] ?? String(o.status),
    o.operationName,
    o.message.split('\n')[0] ?? '',
  ]);
  const header = ['STATUS', 'OPERATION', 'MESSAGE'];
  const widths = [0, 1].map((i) => Math.max(header[i]?.length ?? 0, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (r: string[]) => `${r[0]?.padEnd(widths[0] ?? 0)}  ${r[1]?.padEnd(widths[1] ?? 0)}  ${r[2]}`.trimEnd();
  const count = (status: number) => outcomes.filter((o) => o.status === status).length;
  return `${[header, ...rows].map(line).join('\n')}\n${outcomes.length} tests: ${count(TestStatus.success)} passed, ${count(TestStatus.warning)} warned, ${count(TestStatus.error)} failed, ${count(TestStatus.skipped)} skipped\n`;
}

export function buildCli(): Command {
  const program = new Command('portico')
    .description('Portico: API management for your existing web app, wire-compatible with Fusio')
    .version(portico.version)
    .showHelpAfterError();
  program
    .command('serve')
    .description('start the server (configured by environment variables, see the README)')
    .option('-p, --port <port>', 'port to listen on (overrides PORT)', port)
    .option('-H, --host <host>', 'interface to listen on (overrides HOST)')
    .option('-w, --workers <n>', 'processes sharing the port: a number, or auto for one per core (overrides WORKERS)')
    .action(serve);
  program.command('migrate').description('apply pending migrations and default data, then exit').action(migrate);
  const user = program.command('user').description('manage users');
  user
    .command('add')
    .description('create a user, e.g. an extra administrator')
    .requiredOption('-n, --name <name>', 'user name (3-64 letters, digits, - _ .)')
    .requiredOption('-e, --email <email>', 'email address')
    .option('-p, --password <password>', 'password (a random one is printed when omitted)')
    .option('-r, --role <role>', 'role name', 'Administrator')
    .action(addUser);
  user
    .command('password')
    .description(
      'set a new password for a user (e.g. a locked-out administrator); a random one is printed when omitted',
    )
    .argument('<name>', 'user name or email')
    .option('-p, --password <password>', 'the new password (at least 8 characters)')
    .action(setPassword);
  user
    .command('unlock')
    .description('let a user whose logins are throttled after failed attempts log in again at once')
    .argument('<name>', 'user name or email')
    .action(unlockUser);
  program
    .command('export')
    .description('write the whole configuration as YAML (credentials as \u0024{env:NAME} references)')
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .option('--schema', "write the JSON Schema of the file instead (the repository's docs/portico.schema.json)")
    .action(exportCommand);
  program
    .command('deploy')
    .description('apply a configuration file: prints the difference, then applies it all or nothing')
    .argument('<file>', 'the configuration file (portico.yaml)')
    .option('--dry-run', 'print the difference and change nothing')
    .option('--prune', "delete what the file no longer has (never the platform's own entities)")
    .option(
      '--url <url>',
      'a running installation to deploy to through its backup API instead of the database (or PORTICO_URL)',
    )
    .option('--token <token>', 'a backend access token for --url (or PORTICO_TOKEN)')
    .action(deployCommand);
  program
    .command('import')
    .description('turn an OpenAPI 3 document into proxy operations (a configuration file, or applied with --apply)')
    .argument('<openapi>', 'the OpenAPI 3 document (YAML or JSON)')
    .requiredOption('-u, --upstream <url>', 'the base URL the operations forward to')
    .option('-o, --output <file>', 'write the configuration to a file instead of standard output')
    .option('--apply', 'apply the configuration at once (as deploy does, without pruning)')
    .option('--dry-run', 'print the difference applying it would make, and change nothing')
    .action(importCommand);
  program
    .command('release')
    .description('tag the current version of every action and schema as release x.y.z (selected by Api-Version)')
    .argument('<version>', 'the release, x.y.z')
    .action(releaseCommand);
  program
    .command('test')
    .description("run every operation's stored test through the gateway (exit code 1 when one fails), for CI")
    .option('-u, --user <name>', 'run as this user (name or email); the first administrator by default')
    .option('--no-refresh', 'run the tests as they are, without adding tests for new operations first')
    .option('--strict', 'fail on warnings (an operation without schemas) too')
    .action(testCommand);
  const keys = program.command('keys').description('manage the keys that sign access tokens and id_tokens');
  keys
    .command('rotate')
    .description('start signing with a new key; retired keys verify until their tokens expire')
    .action(rotateKeys);
  program
    .command('mcp')
    .description('serve the API as MCP tools over stdio, for a local agent (the same tools, limits and logs as /mcp)')
    .option('-t, --token <token>', 'the access token every call is made with (default: PORTICO_MCP_TOKEN)')
    .action(mcpCommand);
  return program;
}

/**
 * Settings from a `.env` file in the folder the command was started in (npm start included); a variable
 * already in the environment wins, as every twelve-factor tool does.
 */
export function readDotEnv(env: NodeJS.ProcessEnv = process.env): string | null {
  const file = path.join(env.INIT_CWD ?? process.cwd(), '.env');
  if (!fs.existsSync(file)) return null;
  const values = parseEnv(fs.readFileSync(file, 'utf8'));
  for (const [key, value] of Object.entries(values)) if (env[key] === undefined || env[key] === '') env[key] = value;
  return file;
}

export async function runCli(argv: string[]): Promise<void> {
  readDotEnv();
  try {
    await buildCli().parseAsync(argv);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    // a setting the operator can fix: one line that says which and what to do
    const problem = describeStartupFailure(error, safeConfig());
    if (problem) {
      process.stderr.write(`${problem}\n`);
      process.exit(2);
    }
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
