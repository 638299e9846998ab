// Built files go to dist/ with content-hashed names under dist/assets/ (which
// the node serves as immutable: src/rpc/static_files.h). No inline scripts,
// so the node's Content-Security-Policy can forbid them.
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    target: 'es2020',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
});
