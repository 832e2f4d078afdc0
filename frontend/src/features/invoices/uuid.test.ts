import { describe, expect, it } from 'vitest';

import { newUuid } from './uuid';

describe('newUuid', () => {
  it('makes a version-4 UUID', () => {
    expect(newUuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('sets the version and variant bits whatever the random bytes are', () => {
    const ones = { getRandomValues: <T extends ArrayBufferView | null>(array: T) => {
      if (array instanceof Uint8Array) array.fill(0xff);
      return array;
    } };
    expect(newUuid(ones as Pick<Crypto, 'getRandomValues'>)).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
  });

  it('differs from call to call', () => {
    expect(newUuid()).not.toBe(newUuid());
  });
});
