import { fileURLToPath, URL } from 'node:url';

import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Haven's backend serves `dist/index.html` for `/` and client routes, `dist/api-docs.html`
// at `/api/docs`, and everything else in `dist/` as static files. Both pages therefore
// reference their assets with absolute `/assets/...` URLs (Vite's default `base: '/'`).
export default defineConfig({
  base: '/',
  plugins: [react()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  define: {
    // Compile-time flags for the Vue runtime bundled by the API reference page (Scalar).
    __VUE_OPTIONS_API__: 'true',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
  },
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:8080', changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    // The API reference bundle (Scalar) is large by nature; it is only loaded on /api/docs.
    chunkSizeWarningLimit: 6000,
    // Two pages (multi-page build). `rolldownOptions` is Vite 8's name for `rollupOptions`.
    rolldownOptions: {
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
        apiDocs: fileURLToPath(new URL('./api-docs.html', import.meta.url)),
      },
    },
  },
  test: {
    environment: 'jsdom',
    environmentOptions: { jsdom: { url: 'http://localhost/' } },
    globals: true,
    include: ['src/**/*.test.{ts,tsx}', 'eslint/**/*.test.js'],
    setupFiles: ['./src/testing/setup.ts'],
    css: false,
    restoreMocks: true,
  },
});
