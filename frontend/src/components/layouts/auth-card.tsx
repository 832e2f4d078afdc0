import { Paper, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

import { PublicLayout } from '@/components/layouts/public-layout';

/** The card of the public account pages (sign in, register, reset password, …). */
export function AuthCard({ title, subtitle, children }: { title: string; subtitle?: string; children: ReactNode }) {
  return (
    <PublicLayout>
      <Paper withBorder shadow="sm" p="xl" radius="md">
        <Stack gap="lg">
          <div>
            <Title order={1} size="h2">
              {title}
            </Title>
            {subtitle !== undefined && (
              <Text c="dimmed" size="sm">
                {subtitle}
              </Text>
            )}
          </div>
          {children}
        </Stack>
      </Paper>
    </PublicLayout>
  );
}
