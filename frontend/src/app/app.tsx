import { RouterProvider } from '@tanstack/react-router';
import type { QueryClient } from '@tanstack/react-query';
import type { i18n as I18n } from 'i18next';

import { AppProvider } from './provider';
import type { AppRouter } from './router';

export interface AppProps {
  router: AppRouter;
  i18n: I18n;
  queryClient: QueryClient;
}

export function App({ router, i18n, queryClient }: AppProps) {
  return (
    <AppProvider i18n={i18n} queryClient={queryClient}>
      <RouterProvider router={router} />
    </AppProvider>
  );
}
