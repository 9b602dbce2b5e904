#!/usr/bin/env node
// `npm pack` (and publish) run this first: a fresh compiled server in dist/, the LICENSE, and the web apps'
// build output in apps/ when the web workspace has been built. PORTICO_WEB_BUILD names that output folder
// (default ../web/dist, relative to this workspace); a missing folder packs the server alone.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const here = path.resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);

fs.rmSync(path.join(here, 'dist'), { recursive: true, force: true });
const tsc = require.resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', path.join(here, 'tsconfig.build.json')], { stdio: 'inherit' });

const license = path.join(here, '..', 'LICENSE');
if (fs.existsSync(license)) fs.copyFileSync(license, path.join(here, 'LICENSE'));

const apps = path.join(here, 'apps');
fs.rmSync(apps, { recursive: true, force: true });
const webBuild = path.resolve(here, process.env.PORTICO_WEB_BUILD ?? '../web/dist');
if (fs.existsSync(path.join(webBuild, '.'))) {
  fs.cpSync(webBuild, apps, { recursive: true });
  console.error(`prepack: web apps from ${path.relative(process.cwd(), webBuild) || '.'} packed as apps/`);
} else {
  console.error(`prepack: no web build at ${webBuild} (set PORTICO_WEB_BUILD): packing the server alone`);
}
