import { describe, expect, it } from 'vitest';

import { lastDays, perDay, periodStart, type InvoiceDocument } from './stats';

function doc(createdAt: Date, status: InvoiceDocument['status'], channel?: InvoiceDocument['channel']): InvoiceDocument {
  return {
    id: `${createdAt.toISOString()}-${status}`,
    partyId: '0106:90000032',
    direction: 'outgoing',
    kind: 'invoice',
    status,
    syntax: 'ubl',
    seller: {},
    buyer: {},
    contentType: 'application/xml',
    sizeBytes: 1,
    purged: false,
    createdAt: createdAt.toISOString(),
    updatedAt: createdAt.toISOString(),
    ...(channel === undefined ? {} : { channel }),
  };
}

const today = new Date(2026, 11, 3, 15, 0);

describe('dashboard stats', () => {
  it('lists the last days oldest first, ending today, and starts the period at the first midnight', () => {
    expect(lastDays(3, today)).toEqual(['2026-12-01', '2026-12-02', '2026-12-03']);
    expect(lastDays(30, today)).toHaveLength(30);
    expect(periodStart(3, today)).toBe(new Date(2026, 11, 1).toISOString());
  });

  it('counts per local day and status, in a fixed order, and drops what falls outside', () => {
    const days = lastDays(3, today);
    const documents = [
      doc(new Date(2026, 11, 3, 9), 'failed', 'email'),
      doc(new Date(2026, 11, 1, 0, 5), 'delivered', 'internal'),
      doc(new Date(2026, 11, 3, 23, 55), 'delivered', 'internal'),
      doc(new Date(2026, 10, 30, 23, 59), 'delivered', 'internal'),
      doc(new Date(2026, 11, 2, 12), 'validated'),
    ];
    expect(perDay(documents, days, 'status')).toEqual([
      { key: 'validated', counts: [0, 1, 0] },
      { key: 'delivered', counts: [1, 0, 1] },
      { key: 'failed', counts: [0, 0, 1] },
    ]);
    expect(perDay(documents, days, 'channel')).toEqual([
      { key: 'internal', counts: [1, 0, 1] },
      { key: 'email', counts: [0, 0, 1] },
      { key: 'none', counts: [0, 1, 0] },
    ]);
  });
});
