import { describe, expect, it } from 'vitest';

import { countBySeverity, groupFindingsByTerm } from './findings';
import type { Finding } from './model';

function finding(ruleId: string, severity: Finding['severity'], businessTerm: string | null = null): Finding {
  return { ruleId, severity, businessTerm, ruleSet: 'CEN 1.3.16', message: `${ruleId} failed` };
}

describe('groupFindingsByTerm', () => {
  it('puts findings of one business term together', () => {
    const groups = groupFindingsByTerm([
      finding('BR-1', 'warning', 'BT-1'),
      finding('BR-2', 'warning', 'BT-2'),
      finding('BR-3', 'warning', 'BT-1'),
    ]);
    expect(groups.map((group) => [group.businessTerm, group.findings.map((f) => f.ruleId)])).toEqual([
      ['BT-1', ['BR-1', 'BR-3']],
      ['BT-2', ['BR-2']],
    ]);
  });

  it('orders groups with a fatal finding first, then by term number, and the document as a whole last', () => {
    const groups = groupFindingsByTerm([
      finding('HAVEN-1', 'warning'),
      finding('BR-10', 'warning', 'BT-10'),
      finding('BR-CO-10', 'fatal', 'BT-106'),
      finding('BR-2', 'information', 'BT-2'),
      finding('BR-9', 'warning', 'BT-9'),
    ]);
    expect(groups.map((group) => group.businessTerm)).toEqual(['BT-106', 'BT-9', 'BT-10', null, 'BT-2']);
    expect(groups[0]?.severity).toBe('fatal');
  });

  it('takes the worst severity of a group and lists it first', () => {
    const [group] = groupFindingsByTerm([finding('A', 'information', 'BG-23'), finding('B', 'fatal', 'BG-23')]);
    expect(group?.severity).toBe('fatal');
    expect(group?.findings.map((f) => f.ruleId)).toEqual(['B', 'A']);
  });

  it('treats a blank term like no term', () => {
    const groups = groupFindingsByTerm([finding('A', 'fatal', ' '), finding('B', 'fatal')]);
    expect(groups).toHaveLength(1);
    expect(groups[0]?.businessTerm).toBeNull();
  });

  it('answers no groups for no findings', () => {
    expect(groupFindingsByTerm([])).toEqual([]);
  });
});

describe('countBySeverity', () => {
  it('counts each severity', () => {
    expect(countBySeverity([finding('A', 'fatal'), finding('B', 'fatal'), finding('C', 'information')])).toEqual({
      fatal: 2,
      warning: 0,
      information: 1,
    });
  });
});
