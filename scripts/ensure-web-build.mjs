#!/usr/bin/env node
// Builds the web apps (web/dist) when the build is missing or older than its sources, so `npm start`
// and the tests always serve the apps as they are. Usage: node scripts/ensure-web-build.mjs [--force]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const web = fileURLToPath(new URL('../web/', import.meta.url));
const stamp = path.join(web, 'dist', '.build-stamp');
const inputs = ['src', 'developer', 'account', 'backend', 'public', 'vite.config.ts', 'package.json', 'tsconfig.json'];

/** The newest modification time among the build's inputs. */
function newestSource() {
  let latest = 0;
  for (const input of inputs) {
    const full = path.join(web, input);
    if (!existsSync(full)) continue;
    const stat = statSync(full);
    if (stat.isFile()) latest = Math.max(latest, stat.mtimeMs);
    else {
      for (const entry of readdirSync(full, { withFileTypes: true, recursive: true })) {
        if (entry.isFile()) latest = Math.max(latest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
      }
    }
  }
  return latest;
}

/** Why the apps need building, or null when the build is current. */
export function staleReason() {
  if (!existsSync(stamp)) return 'the web apps were never built';
  if (newestSource() > statSync(stamp).mtimeMs) return 'the web apps changed since their last build';
  return null;
}

/** Builds when needed; returns false when a needed build failed (Portico still starts: the API works). */
export function ensureWebBuild({ force = false, log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const reason = force ? 'a build was asked for' : staleReason();
  if (!reason) return true;
  let vite;
  try {
    vite = path.join(
      path.dirname(createRequire(path.join(web, 'package.json')).resolve('vite/package.json')),
      'bin/vite.js',
    );
  } catch {
    log(`web: ${reason}, but vite is not installed (run npm ci): the apps at /apps/ answer 503 until they are built`);
    return false;
  }
  log(`web: ${reason}; building them (npm run build:web)…`);
  const started = Date.now();
  // a test runner sets NODE_ENV=test, which would make Vite bundle React's development build
  const env = { ...process.env, NODE_ENV: 'production' };
  const run = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: web, stdio: 'inherit', env });
  if (run.status !== 0) {
    log('web: the build failed (see above): the apps at /apps/ keep their last build or answer 503');
    return false;
  }
  log(`web: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const ok = ensureWebBuild({ force: process.argv.includes('--force') });
  // `npm start` goes on without the apps; an explicit build reports its failure
  process.exitCode = ok || !process.argv.includes('--force') ? 0 : 1;
}
