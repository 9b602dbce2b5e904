import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import type { ActionType } from '../../plugins/action.js';
import type { ActionRegistry } from '../registry.js';
import { type CustomAction, isCustomAction } from './define-action.js';

const moduleFile = /\.(ts|mts|js|mjs)$/;
const skipped = /(\.d\.ts|\.test\.[cm]?[jt]s|\.spec\.[cm]?[jt]s)$/;

let tsxRegistered = false;

/** Lets plain `node` import the user's TypeScript files (no-op under tsx or Vitest, which already can). */
async function ensureTypeScript(): Promise<void> {
  if (tsxRegistered || process.env.VITEST) return;
  const { register } = await import('tsx/esm/api');
  register();
  tsxRegistered = true;
}

function listModules(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listModules(full));
    else if (moduleFile.test(entry.name) && !skipped.test(entry.name)) out.push(full);
  }
  return out.sort();
}

function defaultClass(dir: string, file: string, exportName: string): string {
  const relative = path.relative(dir, file).replace(moduleFile, '').split(path.sep).join('.');
  return exportName === 'default' ? `Custom.${relative}` : `Custom.${relative}.${exportName}`;
}

function toActionType(custom: CustomAction, className: string): ActionType {
  return {
    class: className,
    name: custom.name,
    ...(custom.description ? { description: custom.description } : {}),
    config: custom.config ?? { type: 'object', properties: {} },
    create(config) {
      return (request, context) => custom.handle(request, context, config);
    },
  };
}

export interface LoadReport {
  loaded: string[];
  failed: { file: string; error: string }[];
}

/**
 * Finds the custom actions in ACTIONS_DIR: every module's default export and named exports made with
 * `defineAction`. A module that fails to load is reported and skipped; the others still load.
 * `reload()` re-imports changed files, so an edited action is live without a restart.
 */
export class CustomActionLoader {
  private readonly owned = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
  ) {}

  /** The action types in the folder right now (imported fresh each call). */
  async scan(): Promise<{ types: ActionType[]; report: LoadReport }> {
    const report: LoadReport = { loaded: [], failed: [] };
    const types: ActionType[] = [];
    if (!fs.existsSync(this.dir)) return { types, report };
    await ensureTypeScript();
    for (const file of listModules(this.dir)) {
      try {
        // a new URL per version re-imports a changed file; `lang.ts` keeps Vite (tests) reading it as TypeScript
        const version = fs.statSync(file).mtimeMs;
        const module = (await import(
          `${pathToFileURL(file).href}?v=${Math.round(version)}&lang${path.extname(file)}`
        )) as Record<string, unknown>;
        for (const [exportName, value] of Object.entries(module)) {
          if (!isCustomAction(value)) continue;
          const className = value.class ?? defaultClass(this.dir, file, exportName);
          types.push(toActionType(value, className));
          report.loaded.push(className);
        }
      } catch (error) {
        report.failed.push({ file: path.relative(this.dir, file), error: (error as Error).message });
      }
    }
    for (const failure of report.failed) {
      this.logger.error({ file: failure.file, err: failure.error }, 'custom action could not be loaded');
    }
    return { types, report };
  }

  /** Registers the folder's actions, replacing (or removing) those this loader registered before. */
  async apply(registry: ActionRegistry): Promise<LoadReport> {
    const { types, report } = await this.scan();
    const present = new Set(types.map((t) => t.class));
    for (const className of this.owned) if (!present.has(className)) registry.unregister(className);
    this.owned.clear();
    for (const type of types) {
      registry.register(type);
      this.owned.add(type.class);
    }
    if (report.loaded.length > 0) this.logger.info({ actions: report.loaded }, 'custom actions loaded');
    return report;
  }
}
