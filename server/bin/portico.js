#!/usr/bin/env node
// The compiled CLI when `npm run build` made one that is newer than every source file; the TypeScript
// sources otherwise, so `npm start`, `npx portico` and the tests always run the code as it is.
import { existsSync, readdirSync, statSync } from 'node:fs';

const compiled = new URL('../dist/main.js', import.meta.url);
const sources = new URL('../src/', import.meta.url);

/** The newest modification time under a folder (0 when it does not exist). */
function newest(folder) {
  let latest = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      latest = Math.max(latest, statSync(`${entry.parentPath ?? entry.path}/${entry.name}`).mtimeMs);
    }
  }
  return latest;
}

const hasSources = existsSync(sources);
let useCompiled = existsSync(compiled);
if (useCompiled && hasSources && newest(sources) > statSync(compiled).mtimeMs) {
  useCompiled = false;
  process.stderr.write('server/dist is older than the sources: running the sources (npm run build refreshes it)\n');
}
if (useCompiled) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/main.ts', import.meta.url).href);
}
