// Which code runs: the compiled `dist` when `npm run build` (or `npm pack`) made one that is at least as new
// as every source file; the TypeScript sources through tsx otherwise. bin/portico.js and index.js (what
// `import … from '@portico/server'` loads) follow the same rule, so the server and custom actions always
// share one copy of every module. An installed package (no tsconfig.json: it is not packed) always runs
// `dist`, since unpacking gives every file a new modification time.
import { existsSync, readdirSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const sources = new URL('src/', root);
const checkout = existsSync(new URL('tsconfig.json', root));

/** The newest modification time of a TypeScript source (0 when there are none). */
function newest(folder) {
  let latest = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      latest = Math.max(latest, statSync(`${entry.parentPath ?? entry.path}/${entry.name}`).mtimeMs);
    }
  }
  return latest;
}

let decided;
let registered = false;
// in a checkout, a Vitest worker runs the server from the sources itself and compiles TypeScript: the library follows
const insideVitest = checkout && Boolean(process.env.VITEST) && !(process.argv[1] ?? '').endsWith('portico.js');
/** True when `dist` is the code to run (decided once per process). */
export function useCompiled() {
  if (decided !== undefined) return decided;
  if (insideVitest) {
    decided = false;
    return decided;
  }
  const compiled = new URL('dist/main.js', root);
  decided = existsSync(compiled);
  if (decided && checkout && newest(sources) > statSync(compiled).mtimeMs) {
    decided = false;
    process.stderr.write('server/dist is older than the sources: running the sources (npm run build refreshes it)\n');
  }
  return decided;
}

/** Imports `dist/<name>.js` or `src/<name>.ts`, as `useCompiled` says. */
export async function importEntry(name) {
  if (useCompiled()) return import(new URL(`dist/${name}.js`, root).href);
  if (!registered && !insideVitest) {
    const { register } = await import('tsx/esm/api');
    register();
    registered = true;
  }
  return import(new URL(`src/${name}.ts`, root).href);
}
