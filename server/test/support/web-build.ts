import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Vitest global set-up: the web apps are built (when missing or stale) before any test serves them. */
export default function setup(): void {
  const script = fileURLToPath(new URL('../../../scripts/ensure-web-build.mjs', import.meta.url));
  spawnSync(process.execPath, [script], { stdio: 'inherit' });
}
