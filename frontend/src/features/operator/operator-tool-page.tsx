import { useParams } from '@tanstack/react-router';

import { NotFound } from '@/components/errors/not-found';

import { JobsPage } from './jobs-page';
import { PeppolReportsPage } from './peppol-reports-page';

/** The operators' tools under `/operator/…` share one route: the router that every page
 * loads up front stays within its size budget. */
export function OperatorToolPage() {
  const { tool } = useParams({ strict: false });
  if (tool === 'jobs') return <JobsPage />;
  if (tool === 'peppol') return <PeppolReportsPage />;
  return <NotFound />;
}
