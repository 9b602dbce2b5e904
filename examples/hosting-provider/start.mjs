#!/usr/bin/env node
// One command for the whole example: the hosting panel (legacy web app), its worker, and Portico with
// portico.yaml deployed. `npm run example:hosting` from the repository, or `node examples/hosting-provider/start.mjs`.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLegacyApp } from './legacy/app.mjs';
import { openDatabase } from './legacy/database.mjs';
import { startWorker } from './legacy/worker.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const data = path.join(here, '.data');
fs.mkdirSync(data, { recursive: true, mode: 0o700 });

/** A secret made once and kept in .data (never committed): the same on every start. */
function kept(name) {
  const file = path.join(data, name);
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  return fs.readFileSync(file, 'utf8').trim();
}

const env = {
  HOSTING_DB_URL: 'postgres://postgres@127.0.0.1:5432/test',
  HOSTING_SCHEMA: 'hosting',
  HOSTING_PANEL_PORT: '8081',
  HOSTING_AMQP_HOST: '127.0.0.1',
  HOSTING_AMQP_USER: 'guest',
  HOSTING_AMQP_PASSWORD: 'guest',
  HOSTING_QUEUE: 'hosting.shutdown',
  PORT: '8080',
  ...process.env,
};
env.HOSTING_CALLBACK_SECRET ||= kept('callback-secret');
env.PORTICO_SECRET_KEY ||= kept('portico-secret-key');
env.DATABASE_URL ||= `sqlite:${path.join(data, 'portico.db')}`;
env.PORTICO_DATA_DIR ||= data;
env.ACTIONS_DIR ||= path.join(here, 'actions');
env.PUBLIC_URL ||= `http://127.0.0.1:${env.PORT}`;
// the panel and its webhooks' receivers run on this machine in the example
env.HOSTING_PANEL_URL ||= `http://127.0.0.1:${env.HOSTING_PANEL_PORT}`;

const db = openDatabase(env.HOSTING_DB_URL, env.HOSTING_SCHEMA);
await db.migrate();
const callback = { callbackUrl: `${env.PUBLIC_URL}/hooks/server-state`, secret: env.HOSTING_CALLBACK_SECRET };
const panel = await startLegacyApp({ db, port: Number(env.HOSTING_PANEL_PORT), ...callback });
const amqpUrl = `amqp://${encodeURIComponent(env.HOSTING_AMQP_USER)}:${encodeURIComponent(env.HOSTING_AMQP_PASSWORD)}@${env.HOSTING_AMQP_HOST}`;
const worker = await startWorker({ db, amqpUrl, queue: env.HOSTING_QUEUE, ...callback });
console.log(`Hosting panel on ${panel.url} (try ${panel.url}/servers/2/start); worker on queue ${env.HOSTING_QUEUE}`);

function run(args, options = {}) {
  return spawn(process.execPath, args, { cwd: here, env, stdio: 'inherit', ...options });
}
function finished(child) {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

const bin = path.join(root, 'server/bin/portico.js');
if ((await finished(run([path.join(root, 'scripts/ensure-web-build.mjs')], { cwd: root }))) !== 0) process.exit(1);
console.log('Deploying portico.yaml:');
if ((await finished(run([bin, 'deploy', 'portico.yaml']))) !== 0) {
  await Promise.all([panel.close(), worker.close(), db.close()]);
  process.exit(1);
}
const portico = run([bin, 'serve']);
console.log(`Portico on ${env.PUBLIC_URL}: the developer portal is ${env.PUBLIC_URL}/apps/developer/`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  portico.kill('SIGTERM');
  await finished(portico);
  await Promise.all([panel.close(), worker.close()]);
  await db.close();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
portico.on('exit', () => stop());
