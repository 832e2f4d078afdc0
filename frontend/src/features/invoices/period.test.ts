import { describe, expect, it } from 'vitest';

import { periodQuery } from './period';

describe('periodQuery', () => {
  it('runs from the start of the first day to the end of the last, in local time', () => {
    const query = periodQuery('2026-11-01', '2026-11-30');
    expect(query.from).toBe(new Date(2026, 10, 1).toISOString());
    expect(query.until).toBe(new Date(2026, 11, 1).toISOString());
  });

  it('leaves out an open or unreadable end', () => {
    expect(periodQuery('', '')).toEqual({});
    expect(periodQuery('2026-11-01', '')).toEqual({ from: new Date(2026, 10, 1).toISOString() });
    expect(periodQuery('not a day', '2026-11-30')).toEqual({ until: new Date(2026, 11, 1).toISOString() });
  });
});
