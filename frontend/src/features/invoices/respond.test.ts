import { describe, expect, it } from 'vitest';

import { respondBody, toClarifications } from './respond';

describe('respondBody', () => {
  it('leaves out rows without a code, empty texts and an empty note', () => {
    expect(toClarifications([{ code: null, text: 'ignored' }, { code: 'PRI', text: '  ' }])).toEqual([{ code: 'PRI' }]);
    expect(respondBody('ap', [], [{ code: null, text: '' }], '  ')).toEqual({ code: 'ap' });
  });

  it('keeps the reasons, actions and note that were filled in', () => {
    expect(respondBody('re', [{ code: 'QTY', text: ' two, not three ' }], [{ code: 'NIN', text: '' }], 'See order 17')).toEqual({
      code: 're',
      reasons: [{ code: 'QTY', text: 'two, not three' }],
      actions: [{ code: 'NIN' }],
      note: 'See order 17',
    });
  });
});
