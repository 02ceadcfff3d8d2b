// Builds the wall into web-wall/dist, which the gateway serves at /.
// `npm run dev:wall` serves it with hot reload and sends API and media
// requests to a gateway on :8080 (GATEWAY_URL to change).
// The map and the dashboard are loaded when first opened (app.tsx: lazyView), so
// their libraries sit in chunks of their own, named for what they hold: the
// wall's first load carries neither ECharts nor Leaflet.
import { defineConfig } from 'vite';

const gateway = process.env.GATEWAY_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist', emptyOutDir: true, sourcemap: true,
    // The largest chunks are single libraries loaded whole (hls.js ~580 kB, ECharts ~550 kB).
    chunkSizeWarningLimit: 600,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'echarts', test: /node_modules[\\/](echarts|zrender|tslib)[\\/]/ },
            { name: 'leaflet', test: /node_modules[\\/](leaflet|supercluster|kdbush)[\\/]/ },
            { name: 'hls', test: /node_modules[\\/]hls\.js[\\/]/ },
            { name: 'mpegts', test: /node_modules[\\/]mpegts\.js[\\/]/ },
          ],
        },
      },
    },
  },
  server: { proxy: { '/api': gateway, '/media': { target: gateway, ws: true } } },
});
