#!/usr/bin/env node
// Generates (or checks) src/api/generated/schema.d.ts from the backend's OpenAPI document.
//
//   node scripts/api-schema.mjs generate   rewrite the committed schema.d.ts
//   node scripts/api-schema.mjs check      regenerate into a temp file and fail when it differs
//
// The spec path defaults to ../openapi/openapi.json (repository root) and can be
// overridden with HAVEN_OPENAPI_SPEC.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const spec = resolve(root, process.env.HAVEN_OPENAPI_SPEC ?? '../openapi/openapi.json');
const target = join(root, 'src/api/generated/schema.d.ts');
const cli = join(root, 'node_modules/openapi-typescript/bin/cli.js');
const mode = process.argv[2];

function fail(message) {
  console.error(`\n${message}\n`);
  process.exit(1);
}

function generate(output) {
  const result = spawnSync(process.execPath, [cli, spec, '--output', output], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) fail(`openapi-typescript failed (exit ${String(result.status)}).`);
}

if (mode !== 'generate' && mode !== 'check') fail('usage: api-schema.mjs <generate|check>');
if (!existsSync(spec)) fail(`OpenAPI document not found: ${spec}`);

if (mode === 'generate') {
  generate(target);
  console.log(`Wrote ${relative(root, target)} from ${relative(root, spec)}.`);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'haven-api-schema-'));
  try {
    const fresh = join(dir, 'schema.d.ts');
    generate(fresh);
    const committed = existsSync(target) ? readFileSync(target, 'utf8') : null;
    if (committed === null) {
      fail(`${relative(root, target)} is missing. Run \`npm run generate:api\` and commit the result.`);
    }
    if (committed !== readFileSync(fresh, 'utf8')) {
      fail(
        `${relative(root, target)} is out of date with ${relative(root, spec)}.\n` +
          'Run `npm --prefix frontend run generate:api` and commit the regenerated file.',
      );
    }
    console.log(`${relative(root, target)} is up to date with ${relative(root, spec)}.`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
