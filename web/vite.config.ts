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
    writeBundle() {
      const assets = path.join(outDir, 'assets');
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
      writeFileSync(path.join(outDir, '.build-stamp'), `${new Date().toISOString()}\n`);
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
