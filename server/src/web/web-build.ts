import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/** The browser apps Portico serves under `/apps/<name>/`, each one entry page of the web build. */
export const webApps = ['developer', 'account', 'backend'] as const;
export type WebAppName = (typeof webApps)[number];

/** One file of the build, held in memory with its compressed forms. */
export interface StaticFile {
  readonly body: Buffer;
  readonly br: Buffer | undefined;
  readonly gzip: Buffer | undefined;
  readonly type: string;
  /** strong validator of the uncompressed bytes (each encoding adds a suffix) */
  readonly etag: string;
}

/** The web build as Portico serves it: files by their path under the build folder (`assets/x.js`). */
export interface WebBuild {
  readonly files: ReadonlyMap<string, StaticFile>;
  /** when the build's entry pages were written, to notice a rebuild */
  readonly builtAt: number;
}

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** Files that gain from compression when the build did not bring compressed copies. */
const compressible = /\.(html|js|mjs|css|json|map|svg|txt|webmanifest)$/;

/** The modification time of the entry pages, or null when the apps were never built. */
export function buildTime(dir: string): number | null {
  let latest = 0;
  for (const app of webApps) {
    try {
      latest = Math.max(latest, fs.statSync(path.join(dir, app, 'index.html')).mtimeMs);
    } catch {
      return null;
    }
  }
  return latest;
}

/**
 * Reads the whole build into memory, so a request never builds a file system path from its URL (no
 * traversal is possible: only the files listed here exist). The entry pages get the base path of
 * PUBLIC_URL in their asset links and a `portico-base` meta element the apps read. Null when the build
 * is missing.
 */
export function loadWebBuild(dir: string, basePath: string): WebBuild | null {
  const builtAt = buildTime(dir);
  if (builtAt === null) return null;
  const files = new Map<string, StaticFile>();
  const names = (fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[])
    .map((name) => name.split(path.sep).join('/'))
    .filter((name) => !name.split('/').some((part) => part.startsWith('.')))
    .filter((name) => fs.statSync(path.join(dir, name)).isFile());
  const present = new Set(names);
  for (const name of names) {
    if (name.endsWith('.br') || name.endsWith('.gz')) continue;
    const type = types[path.extname(name).toLowerCase()];
    if (!type) continue;
    let body = fs.readFileSync(path.join(dir, name));
    const isEntry = webApps.some((app) => name === `${app}/index.html`);
    if (isEntry) body = Buffer.from(prepareEntryPage(body.toString('utf8'), basePath));
    const stored = (suffix: string) =>
      !isEntry && present.has(name + suffix) ? fs.readFileSync(path.join(dir, name + suffix)) : undefined;
    let br = stored('.br');
    let gzip = stored('.gz');
    if (compressible.test(name) && body.length > 256) {
      br ??= zlib.brotliCompressSync(body, {
        params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length },
      });
      gzip ??= zlib.gzipSync(body, { level: 9 });
    }
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    files.set(name, { body, br, gzip, type, etag });
  }
  return { files, builtAt };
}

/** Asset links under the base path of PUBLIC_URL, and the base path told to the app. */
function prepareEntryPage(html: string, basePath: string): string {
  const linked = basePath === '' ? html : html.replace(/(\s(?:src|href)=["'])\/apps\//g, `$1${basePath}/apps/`);
  const meta = `<meta name="portico-base" content="${escapeAttribute(basePath)}">`;
  // after the charset declaration, which belongs first in the head
  const charset = /<meta charset=[^>]*>/i.exec(linked);
  if (charset) return linked.replace(charset[0], `${charset[0]}\n    ${meta}`);
  return linked.includes('<head>') ? linked.replace('<head>', `<head>\n    ${meta}`) : meta + linked;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
