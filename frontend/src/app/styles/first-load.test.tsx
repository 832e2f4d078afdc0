import { MantineProvider } from '@mantine/core';
import { render, screen } from '@testing-library/react';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { ErrorFallback } from '@/components/errors/error-fallback';
import { PageLoader } from '@/components/layouts/page-loader';
import loginStylesSource from '@/features/auth/login-styles.ts?raw';
import { errorReply, mockApi } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

import firstLoadSource from './first-load.ts?raw';

// The first load carries only part of Mantine's CSS (first-load.ts, and the sign-in page's
// login-styles.ts). These tests render what that CSS must cover and look for any class that
// Mantine styles somewhere but the loaded part does not.

// The frontend folder, as a path: jsdom replaces the URL class that node:fs would accept.
const here = decodeURIComponent(import.meta.url.replace(/^file:\/\//, ''));
const root = here.slice(0, here.lastIndexOf('/src/app/styles/') + 1);
const mantineCss = (file: string) => readFileSync(`${root}node_modules/${file}`, 'utf8');

/** The CSS of the `import '@mantine/...css'` lines of a module. */
function importedCss(source: string): string {
  const files = [...source.matchAll(/^import '(@mantine\/[^']+\.css)';$/gm)].map((match) => match[1] ?? '');
  expect(files.length).toBeGreaterThan(0);
  return files.map(mantineCss).join('\n');
}

const mantineClass = /\.(m_[0-9a-f]{8})\b/g;
const styledByMantine = new Set([...mantineCss('@mantine/core/styles.css').matchAll(mantineClass)].map((m) => m[1]));
const firstLoad = importedCss(firstLoadSource);
const signIn = `${firstLoad}\n${importedCss(loginStylesSource)}`;

/** Mantine classes on the page that Mantine's CSS styles but `css` leaves out. */
function unstyled(css: string): string[] {
  const covered = new Set([...css.matchAll(mantineClass)].map((m) => m[1]));
  const used = [...document.querySelectorAll('[class]')].flatMap((element) => [...element.classList]);
  return [...new Set(used)].filter((name) => styledByMantine.has(name) && !covered.has(name)).sort();
}

describe("the first load's Mantine CSS", { timeout: 15_000 }, () => {
  it('covers the public layout and the not-found page', async () => {
    await renderApp({ path: '/nope', language: 'en' });
    expect(screen.getByRole('heading', { level: 1, name: 'Page not found' })).toBeInTheDocument();
    expect(unstyled(firstLoad)).toEqual([]);
  });

  it('covers the page loader and the error page', () => {
    render(
      <MantineProvider>
        <PageLoader />
        <ErrorFallback error={new Error('boom')} reset={() => undefined} />
      </MantineProvider>,
    );
    expect(unstyled(firstLoad)).toEqual([]);
  });

  it('covers the sign-in page, with its errors and the second step, with its own part', async () => {
    mockApi({
      'POST /api/v1/auth/login': ({ body }) =>
        body?.password === 'wrong'
          ? errorReply(401, 'invalid_credentials', 'The email address or password is wrong.', [
              { field: 'email', code: 'invalid', message: 'Not an email address.' },
            ])
          : errorReply(401, 'two_factor_required', 'Enter the code from your authenticator app.'),
    });
    const { user } = await renderApp({ path: '/login', language: 'en' });
    // The sign-in page's own CSS is needed: the first load's alone leaves its form unstyled.
    expect(unstyled(firstLoad)).not.toEqual([]);
    expect(unstyled(signIn)).toEqual([]);

    await user.type(screen.getByLabelText(/Email address/), 'ann');
    await user.type(screen.getByLabelText(/^Password/, { selector: 'input' }), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Not an email address.')).toBeInTheDocument();
    expect(screen.getByRole('alert')).toBeInTheDocument();
    expect(unstyled(signIn)).toEqual([]);

    await user.clear(screen.getByLabelText(/^Password/, { selector: 'input' }));
    await user.type(screen.getByLabelText(/^Password/, { selector: 'input' }), 'right');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Two-factor authentication')).toBeInTheDocument();
    expect(unstyled(signIn)).toEqual([]);
  });
});
