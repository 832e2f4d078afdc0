import './styles/first-load';

import { createTheme, MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { i18n as I18n } from 'i18next';
import type { ReactNode } from 'react';
import { I18nextProvider } from 'react-i18next';

import { NotificationsHost } from '@/components/notifications/notifications-host';

const theme = createTheme({
  primaryColor: 'blue',
  defaultRadius: 'md',
});

export function createAppQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: 1, refetchOnWindowFocus: false },
    },
  });
}

export interface AppProviderProps {
  children: ReactNode;
  i18n: I18n;
  queryClient: QueryClient;
}

/** All app-wide providers: translations, UI theme, notifications and server state. */
export function AppProvider({ children, i18n, queryClient }: AppProviderProps) {
  return (
    <I18nextProvider i18n={i18n}>
      {/* All of the theme's CSS variables come from here, not from a stylesheet (see ./styles/first-load.ts). */}
      <MantineProvider theme={theme} deduplicateCssVariables={false}>
        <NotificationsHost />
        <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
      </MantineProvider>
    </I18nextProvider>
  );
}
