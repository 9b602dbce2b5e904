import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const root = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.join(root, 'dist');

/** Brotli and gzip copies beside every text asset, so Portico sends them without compressing per request. */
function precompress(): Plugin {
  return {
    name: 'portico-precompress',
    apply: 'build',
    writeBundle(options, bundle) {
      const dir = options.dir ?? outDir;
      // a stable address for the embeddable account app: one script tag loads today's hashed module
      const embed = Object.values(bundle).find(
        (chunk) => chunk.type === 'chunk' && chunk.isEntry && chunk.name === 'embed',
      );
      if (embed) {
        writeFileSync(
          path.join(dir, 'account', 'embed.js'),
          `// <portico-account>: <script type="module" src="…/apps/account/embed.js"></script> (docs/web-apps.md)\nimport '../${embed.fileName}';\n`,
        );
      }
      const assets = path.join(dir, 'assets');
      for (const name of readdirSync(assets)) {
        if (!/\.(js|css|svg|json|map)$/.test(name)) continue;
        const file = path.join(assets, name);
        const body = readFileSync(file);
        if (body.length < 256) continue;
        writeFileSync(
          `${file}.br`,
          zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
        writeFileSync(`${file}.gz`, zlib.gzipSync(body, { level: 9 }));
      }
      // scripts/ensure-web-build.mjs compares this with the sources
      writeFileSync(path.join(dir, '.build-stamp'), `${new Date().toISOString()}\n`);
    },
  };
}

// One build, one entry page per app; shared code lands once in /apps/assets/ with hashed names.
export default defineConfig({
  root,
  base: '/apps/',
  plugins: [react(), precompress()],
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    reportCompressedSize: false,
    // bench/ measures what matters: the first screen's compressed JavaScript
    chunkSizeWarningLimit: 1024,
    rolldownOptions: {
      input: {
        developer: path.join(root, 'developer/index.html'),
        account: path.join(root, 'account/index.html'),
        backend: path.join(root, 'backend/index.html'),
        embed: path.join(root, 'src/app/embed/main.tsx'),
      },
    },
  },
  server: {
    // `npm run dev --workspace web` beside a running Portico: API calls go to it
    proxy: Object.fromEntries(
      ['/backend', '/consumer', '/authorization', '/system'].map((p) => [
        p,
        process.env.PORTICO_URL ?? 'http://127.0.0.1:8080',
      ]),
    ),
  },
});
