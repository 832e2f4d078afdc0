import type { BoxQuery } from './api/invoices';

/**
 * The period filter as the API takes it (RFC 3339): from the start of the `from` day up to the
 * end of the `until` day, both in the browser's time zone. An unreadable date is left out.
 */
export function periodQuery(from: string, until: string): Pick<BoxQuery, 'from' | 'until'> {
  const startOf = (day: string) => {
    const date = new Date(`${day}T00:00:00`);
    return Number.isNaN(date.getTime()) ? null : date;
  };
  const start = from === '' ? null : startOf(from);
  const end = until === '' ? null : startOf(until);
  if (end !== null) end.setDate(end.getDate() + 1);
  return {
    ...(start === null ? {} : { from: start.toISOString() }),
    ...(end === null ? {} : { until: end.toISOString() }),
  };
}
