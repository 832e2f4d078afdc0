import type { Finding, Severity } from './model';

export interface FindingGroup {
  /** The EN 16931 business term (`BT-106`, `BG-23`), or null for findings about the document as a whole. */
  businessTerm: string | null;
  findings: Finding[];
  /** The worst severity in the group. */
  severity: Severity;
}

const RANK: Record<Severity, number> = { fatal: 0, warning: 1, information: 2 };

/** Orders `BT-2` before `BT-10` (numeric part), BG before BT, and null last. */
function compareTerms(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  const [, prefixA = a, numberA = ''] = /^([A-Za-z-]+?)-?(\d+)$/.exec(a) ?? [];
  const [, prefixB = b, numberB = ''] = /^([A-Za-z-]+?)-?(\d+)$/.exec(b) ?? [];
  if (prefixA !== prefixB) return prefixA.localeCompare(prefixB);
  if (numberA !== '' && numberB !== '') return Number(numberA) - Number(numberB);
  return a.localeCompare(b);
}

/**
 * Findings grouped by business term, so a person fixes one field at a time: groups with a
 * fatal finding first, then by term; inside a group the worst findings first.
 */
export function groupFindingsByTerm(findings: readonly Finding[]): FindingGroup[] {
  const groups = new Map<string | null, Finding[]>();
  for (const finding of findings) {
    const term = finding.businessTerm?.trim() ? finding.businessTerm.trim() : null;
    const list = groups.get(term);
    if (list === undefined) groups.set(term, [finding]);
    else list.push(finding);
  }
  return [...groups.entries()]
    .map(([businessTerm, list]) => {
      const sorted = [...list].sort((a, b) => RANK[a.severity] - RANK[b.severity]);
      return { businessTerm, findings: sorted, severity: sorted[0]?.severity ?? 'information' };
    })
    .sort((a, b) => RANK[a.severity] - RANK[b.severity] || compareTerms(a.businessTerm, b.businessTerm));
}

/** How many findings of each severity. */
export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { fatal: 0, warning: 0, information: 0 };
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}
