import { Alert, Badge, Group, List, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';

import { countBySeverity, groupFindingsByTerm } from '../findings';
import type { Finding, Severity } from '../model';

const SEVERITY_COLOR: Record<Severity, string> = { fatal: 'red', warning: 'yellow', information: 'blue' };

/** A validation report's findings, grouped by EN 16931 business term. */
export function FindingsList({ findings }: { findings: readonly Finding[] }) {
  const { t } = useTranslation();
  if (findings.length === 0) return <Text>{t('invoices.findings.none')}</Text>;
  const groups = groupFindingsByTerm(findings);
  return (
    <Stack gap="sm" aria-label={t('invoices.findings.title')} role="region">
      <Title order={3} size="h5">
        {t('invoices.findings.title')}
      </Title>
      <Text size="sm" c="dimmed">
        {t('invoices.findings.summary', countBySeverity(findings))}
      </Text>
      {groups.map((group) => (
        <Alert
          key={group.businessTerm ?? ''}
          color={SEVERITY_COLOR[group.severity]}
          title={group.businessTerm ?? t('invoices.findings.wholeDocument')}
        >
          <List spacing={4} size="sm">
            {group.findings.map((finding, index) => (
              <List.Item key={`${finding.ruleId}-${String(index)}`}>
                <Group gap={6} wrap="nowrap" align="baseline">
                  <Badge size="xs" variant="light" color={SEVERITY_COLOR[finding.severity]}>
                    {t(`invoices.severity.${finding.severity}`)}
                  </Badge>
                  <Text size="xs" ff="monospace">
                    {finding.ruleId}
                  </Text>
                </Group>
                <Text size="sm">{finding.message}</Text>
                {finding.location !== null && finding.location !== undefined && (
                  <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
                    {t('invoices.findings.location', { location: finding.location })}
                  </Text>
                )}
              </List.Item>
            ))}
          </List>
        </Alert>
      ))}
    </Stack>
  );
}
