import { describe, expect, it } from 'vitest';

import { canMarkOriginal, statusColor } from './labels';

describe('statusColor', () => {
  it('marks what needs a person red, what is done green, and what is under way blue', () => {
    expect(statusColor('failed')).toBe('red');
    expect(statusColor('rejected')).toBe('red');
    expect(statusColor('delivered')).toBe('green');
    expect(statusColor('paid')).toBe('green');
    expect(statusColor('pending')).toBe('blue');
    expect(statusColor('duplicate')).toBe('yellow');
    expect(statusColor('opened')).toBe('gray');
  });

  it('falls back to gray for a status this app does not know', () => {
    expect(statusColor('archived')).toBe('gray');
  });
});

describe('canMarkOriginal', () => {
  it('is offered for a duplicate only', () => {
    expect(canMarkOriginal('duplicate')).toBe(true);
    expect(canMarkOriginal('received')).toBe(false);
  });
});
