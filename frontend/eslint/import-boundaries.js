// @ts-check
// Import boundaries of the web app, as `no-restricted-imports` settings per folder:
//
// - A feature (src/features/<name>) imports from @/api, @/components, @/lib and its own
//   folder only: never from another feature, from @/app, or (outside tests) from @/testing.
// - Within a feature, only its api/ modules talk to the API client and TanStack Query's data
//   hooks; the rest of the feature uses those modules.
// - @/api, @/components and @/lib are shared by the features, so they import no feature (and
//   not @/app).
//
// Flat config replaces (does not merge) a rule's options when several blocks match a file,
// so every block below carries the complete set for its files.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Feature folders deeper than this are not checked for relative imports leaving the feature. */
const MAX_DEPTH = 5;
const CODE = '{ts,tsx}';
const TESTS = '**/*.test.{ts,tsx}';

/** @param {string} text */
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const DATA_HOOKS = {
  paths: [
    {
      name: '@/api/client',
      importNames: ['$api', 'fetchClient'],
      message: "Call the API through the feature's api/ module.",
    },
    { name: '@/api/bare-client', message: "Call the API through the feature's api/ module." },
    {
      name: '@tanstack/react-query',
      importNames: ['useQuery', 'useQueries', 'useSuspenseQuery', 'useInfiniteQuery', 'useMutation'],
      message: "Server state comes from the feature's api/ module.",
    },
  ],
};

/**
 * @param {{ feature: string; depth: number; test: boolean; apiModule: boolean }} where
 * @returns {import('eslint').Linter.RuleEntry}
 */
function featureRule({ feature, depth, test, apiModule }) {
  const shared = test ? 'api|components|lib|testing' : 'api|components|lib';
  return [
    'error',
    {
      ...(apiModule || test ? {} : DATA_HOOKS),
      patterns: [
        {
          regex: `^@/(?!(${shared})(/|$)|features/${escape(feature)}(/|$))`,
          message: `A feature imports @/api, @/components, @/lib and its own folder (@/features/${feature}) only; move what features share to components/ or lib/.`,
        },
        {
          regex: `^(\\.\\./){${String(depth + 1)}}`,
          message: `This relative import leaves the feature folder (features/${feature}).`,
        },
      ],
    },
  ];
}

/** @type {import('eslint').Linter.RuleEntry} */
const SHARED_RULE = [
  'error',
  {
    patterns: [
      {
        regex: '^@/(features|app|testing)(/|$)|^(\\.\\./)+(features|app|testing)(/|$)',
        message: '@/api, @/components and @/lib are shared by the features: they import no feature, @/app or @/testing.',
      },
    ],
  },
];

/** @type {import('eslint').Linter.RuleEntry} */
const SHARED_TEST_RULE = [
  'error',
  {
    patterns: [
      {
        regex: '^@/(features|app)(/|$)|^(\\.\\./)+(features|app)(/|$)',
        message: 'Tests of @/api, @/components and @/lib import no feature or @/app.',
      },
    ],
  },
];

/**
 * The config blocks for the features found in `<root>/src/features` (`root`: the folder of the
 * ESLint config, which the blocks' file patterns are relative to).
 *
 * @param {string} root
 * @returns {import('eslint').Linter.Config[]}
 */
export function importBoundaries(root) {
  const featuresDir = 'src/features';
  const features = readdirSync(join(root, featuresDir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  /** @type {import('eslint').Linter.Config[]} */
  const blocks = [
    { files: [`src/{api,components,lib}/**/*.${CODE}`], rules: { 'no-restricted-imports': SHARED_RULE } },
    { files: [`src/{api,components,lib}/${TESTS}`], rules: { 'no-restricted-imports': SHARED_TEST_RULE } },
  ];
  for (const feature of features) {
    for (let depth = 0; depth <= MAX_DEPTH; depth += 1) {
      const dir = `${featuresDir}/${feature}/${'*/'.repeat(depth)}`;
      const at = { feature, depth };
      blocks.push({
        files: [`${dir}*.${CODE}`],
        rules: { 'no-restricted-imports': featureRule({ ...at, test: false, apiModule: false }) },
      });
      if (depth > 0) {
        blocks.push({
          files: [`${featuresDir}/${feature}/api/${'*/'.repeat(depth - 1)}*.${CODE}`],
          rules: { 'no-restricted-imports': featureRule({ ...at, test: false, apiModule: true }) },
        });
      }
      blocks.push({
        files: [`${dir}*.test.${CODE}`],
        rules: { 'no-restricted-imports': featureRule({ ...at, test: true, apiModule: false }) },
      });
    }
  }
  return blocks;
}
