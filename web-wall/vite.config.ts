// Builds the wall into web-wall/dist, which the gateway serves at /.
// `npm run dev:wall` serves it with hot reload and sends API and media
// requests to a gateway on :8080 (GATEWAY_URL to change).
import { defineConfig } from 'vite';

const gateway = process.env.GATEWAY_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1500 },
  server: { proxy: { '/api': gateway, '/media': { target: gateway, ws: true } } },
});
