import { join } from 'node:path';

import { Linter } from 'eslint';
import { describe, expect, it } from 'vitest';

import { importBoundaries } from './import-boundaries.js';

const root = join(import.meta.dirname, '..');
const linter = new Linter({ cwd: root });
const config = importBoundaries(root);

/** Whether `import { <name> } from '<source>'` in `file` breaks a boundary. */
function restricted(file, source, name = 'x') {
  const messages = linter.verify(`import { ${name} } from '${source}';\nexport default ${name};\n`, config, {
    filename: join(root, file),
  });
  expect(messages.filter((m) => m.ruleId !== 'no-restricted-imports')).toEqual([]);
  return messages.length > 0;
}

describe('import boundaries', () => {
  it('lets a feature import the shared folders and its own', () => {
    for (const source of ['@/api/errors', '@/api/types', '@/components/forms/notify', '@/lib/session', './labels']) {
      expect(restricted('src/features/users/users-page.tsx', source), source).toBe(false);
    }
    expect(restricted('src/features/users/users-page.tsx', '@/features/users/api/users')).toBe(false);
    expect(restricted('src/features/auth/components/login-form.tsx', '../api/auth')).toBe(false);
  });

  it('keeps a feature out of other features, the app and the test helpers', () => {
    const file = 'src/features/users/users-page.tsx';
    expect(restricted(file, '@/features/auth/api/auth')).toBe(true);
    expect(restricted(file, '@/features/users-admin/thing')).toBe(true);
    expect(restricted(file, '@/app/router')).toBe(true);
    expect(restricted(file, '@/testing/fixtures')).toBe(true);
    expect(restricted(file, '@/api-docs/main')).toBe(true);
    expect(restricted(file, '../organizations/api/keys')).toBe(true);
    expect(restricted('src/features/auth/components/login-form.tsx', '../../users/api/users')).toBe(true);
  });

  it('lets only the api/ modules use the API client and the data hooks', () => {
    const page = 'src/features/users/users-page.tsx';
    expect(restricted(page, '@/api/client', '$api')).toBe(true);
    expect(restricted(page, '@/api/client', 'fetchClient')).toBe(true);
    expect(restricted(page, '@/api/bare-client', '$publicApi')).toBe(true);
    expect(restricted(page, '@tanstack/react-query', 'useQuery')).toBe(true);
    expect(restricted(page, '@tanstack/react-query', 'useMutation')).toBe(true);
    // Types and the cache itself are fine outside api/.
    expect(restricted(page, '@/api/client', 'paths')).toBe(false);
    expect(restricted(page, '@tanstack/react-query', 'useQueryClient')).toBe(false);
    expect(restricted('src/features/users/api/users.ts', '@/api/client', '$api')).toBe(false);
    expect(restricted('src/features/users/api/users.ts', '@tanstack/react-query', 'useQuery')).toBe(false);
    expect(restricted('src/features/users/api/users.ts', '@/features/audit/api/audit')).toBe(true);
  });

  it('lets feature tests use the test helpers', () => {
    expect(restricted('src/features/users/users-page.test.tsx', '@/testing/mock-api')).toBe(false);
    expect(restricted('src/features/users/users-page.test.tsx', '@/features/auth/api/auth')).toBe(true);
  });

  it('keeps the shared folders free of features and the app', () => {
    expect(restricted('src/components/layouts/app-footer.tsx', '@/features/users/api/users')).toBe(true);
    expect(restricted('src/components/layouts/app-footer.tsx', '../../features/users/api/users')).toBe(true);
    expect(restricted('src/lib/auth.ts', '@/app/router')).toBe(true);
    expect(restricted('src/api/client.ts', '@/lib/session')).toBe(false);
    expect(restricted('src/api/client.test.ts', '@/testing/fixtures')).toBe(false);
  });
});
