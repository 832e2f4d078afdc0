import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import type { Job } from '@/api/types';
import { session } from '@/testing/fixtures';
import { errorReply, mockApi } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

function deadJob(overrides: Partial<Job> = {}): Job {
  return {
    id: 'job-1',
    kind: 'email',
    status: 'dead',
    attempts: 8,
    maxAttempts: 8,
    runAt: '2026-12-01T10:00:00Z',
    createdAt: '2026-12-01T08:00:00Z',
    finishedAt: '2026-12-01T10:00:05Z',
    lastError: 'gave up after 8 attempts: 451 mailbox busy',
    ...overrides,
  };
}

const operator = session({ email: 'operator@haven.test' });

describe('dead jobs page', { timeout: 15_000 }, () => {
  it('lists dead jobs and queues one again', async () => {
    const api = mockApi({
      'GET /api/v1/operator/jobs': { body: { items: [deadJob()] } },
      'POST /api/v1/operator/jobs/{id}/retry': { body: deadJob({ status: 'queued', attempts: 0 }) },
    });
    const { user } = await renderApp({ path: '/operator/jobs', language: 'en', session: operator });

    expect(await screen.findByText('gave up after 8 attempts: 451 mailbox busy')).toBeInTheDocument();
    expect(screen.getByText('Email')).toBeInTheDocument();
    expect(screen.getByText('8 of 8')).toBeInTheDocument();
    expect(api.callsTo('GET /api/v1/operator/jobs')[0]?.path).toContain('status=dead');

    await user.click(screen.getByRole('button', { name: 'Retry job job-1' }));

    expect(await screen.findByText('The job has been queued again.')).toBeInTheDocument();
    expect(api.callsTo('POST /api/v1/operator/jobs/{id}/retry')[0]?.params).toEqual({ id: 'job-1' });
  });

  it('says so when nothing died, in Dutch too', async () => {
    mockApi({ 'GET /api/v1/operator/jobs': { body: { items: [] } } });
    await renderApp({ path: '/operator/jobs', language: 'nl', session: session({ email: 'operator@haven.test', language: 'nl' }) });
    expect(await screen.findByText('Er zijn geen opgegeven taken.')).toBeInTheDocument();
  });

  it('shows the refusal when the job is no longer dead', async () => {
    mockApi({
      'GET /api/v1/operator/jobs': { body: { items: [deadJob()] } },
      'POST /api/v1/operator/jobs/{id}/retry': errorReply(409, 'job_not_dead', 'the job is queued; only a dead job can be retried'),
    });
    const { user } = await renderApp({ path: '/operator/jobs', language: 'en', session: operator });
    await user.click(await screen.findByRole('button', { name: 'Retry job job-1' }));
    const alerts = await screen.findAllByRole('alert');
    expect(alerts.some((a) => a.textContent.includes('Only a dead job can be retried.'))).toBe(true);
    expect(screen.getByRole('button', { name: 'Retry job job-1' })).toBeInTheDocument();
  });

  it('does not exist for anyone but an operator', async () => {
    mockApi({ 'GET /api/v1/operator/jobs': errorReply(404, 'not_found', 'Not found.') });
    await renderApp({ path: '/operator/jobs', language: 'en', session: session() });
    expect(await screen.findByRole('heading', { level: 1 })).not.toHaveTextContent('Failed background jobs');
  });
});
