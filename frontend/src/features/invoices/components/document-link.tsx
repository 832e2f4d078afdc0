import { Anchor } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';

import type { Box } from '../model';

/** A link to a document's page in the outbox or the inbox. */
export function DocumentLink({
  box,
  partyId,
  documentId,
  label,
  children,
}: {
  box: Box;
  partyId: string;
  documentId: string;
  label?: string;
  children: ReactNode;
}) {
  const params = { partyId, documentId };
  return box === 'outbox' ? (
    <Anchor
      aria-label={label}
      renderRoot={(props) => <Link to="/outbox/$partyId/$documentId" params={params} {...props} />}
    >
      {children}
    </Anchor>
  ) : (
    <Anchor
      aria-label={label}
      renderRoot={(props) => <Link to="/inbox/$partyId/$documentId" params={params} {...props} />}
    >
      {children}
    </Anchor>
  );
}
