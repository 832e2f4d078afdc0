import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import { createI18n } from '@/lib/i18n';

import { App } from './app';
import { createAppQueryClient } from './provider';
import { createAppRouter } from './router';

const container = document.getElementById('root');
if (container === null) throw new Error('index.html has no #root element');

// The first render waits for the translations of the user's language (one small chunk).
const i18n = await createI18n();
const queryClient = createAppQueryClient();
const router = createAppRouter();

createRoot(container).render(
  <StrictMode>
    <App router={router} i18n={i18n} queryClient={queryClient} />
  </StrictMode>,
);
