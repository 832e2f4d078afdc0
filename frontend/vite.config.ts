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
    // dist/.vite/manifest.json: which files each page loads; scripts/bundle-budget.mjs reads it.
    manifest: true,
    // The API reference bundle (Scalar) is large by nature; it is only loaded on /api/docs.
    chunkSizeWarningLimit: 6000,
    // Two pages (multi-page build). `rolldownOptions` is Vite 8's name for `rollupOptions`.
    rolldownOptions: {
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
        apiDocs: fileURLToPath(new URL('./api-docs.html', import.meta.url)),
      },
      output: {
        // Vendor chunks for what every page of the app needs: they change with upgrades only,
        // so browsers keep them across releases. Mantine's components go with the pages that
        // use them (automatic chunking); only those of the first load form a vendor chunk.
        // The first load's size is checked by scripts/bundle-budget.mjs.
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler|use-sync-external-store)[\\/]/, priority: 40 },
            { name: 'router', test: /node_modules[\\/]@tanstack[\\/](react-router|router-core|history|store|react-store)[\\/]/, priority: 30 },
            { name: 'query', test: /node_modules[\\/](@tanstack[\\/](query-core|react-query)|openapi-fetch|openapi-react-query)[\\/]/, priority: 30 },
            { name: 'i18n', test: /node_modules[\\/](i18next|react-i18next)[\\/]/, priority: 30 },
            // Also used by the API reference: its own chunk, or that page would load Mantine's.
            { name: 'clsx', test: /node_modules[\\/]clsx[\\/]/, priority: 25 },
            {
              name: 'mantine',
              test: /node_modules[\\/]@mantine[\\/](core|hooks|store|notifications)[\\/]/,
              tags: ['$initial'],
              priority: 20,
            },
            // The app's own modules of the first load in one chunk rather than many small ones
            // (the entry module itself stays the entry chunk).
            {
              name: 'app',
              test: (id) =>
                !id.includes('node_modules') &&
                /[\\/]src[\\/](app|api|components|lib)[\\/]/.test(id) &&
                !/[\\/]src[\\/]app[\\/]main\.tsx$/.test(id) &&
                // Loaded with the first page after sign-in, never up front (see the module).
                !/[\\/]src[\\/]app[\\/]app-pages\.ts$/.test(id),
              tags: ['$initial'],
              // Its dependencies stay where they are: Vite's preload helper, say, is the API
              // reference's too.
              includeDependenciesRecursively: false,
              priority: 10,
            },
          ],
        },
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
