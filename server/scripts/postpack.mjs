#!/usr/bin/env node
// After `npm pack`: the copies prepack made for the tarball go; dist/ stays (bin/portico.js runs it while fresh).
import fs from 'node:fs';
import path from 'node:path';

const here = path.resolve(import.meta.dirname, '..');
fs.rmSync(path.join(here, 'apps'), { recursive: true, force: true });
if (fs.existsSync(path.join(here, '..', 'LICENSE'))) fs.rmSync(path.join(here, 'LICENSE'), { force: true });
