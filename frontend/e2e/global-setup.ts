import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { BASE_URL_ENV, DATA_DIR_ENV, INBOUND_EMAIL_SECRET, INTAKE_DOMAIN, OPERATOR_EMAIL } from './server';

const frontendDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const distDir = join(frontendDir, 'dist');
const STARTUP_TIMEOUT_MS = 60_000;

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolvePort(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}

async function waitForHealth(baseUrl: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let lastError = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      throw new Error(`haven exited early (${String(child.exitCode ?? child.signalCode)}). Its output:\n${log}`);
    }
    try {
      const response = await fetch(`${baseUrl}/api/health`);
      if (response.status === 200) return;
      lastError = `GET /api/health answered ${String(response.status)}`;
    } catch (error) {
      lastError = String(error);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const log = await readFile(logFile, 'utf8').catch(() => '');
  throw new Error(`haven did not become healthy within ${String(STARTUP_TIMEOUT_MS)} ms (${lastError}). Its output:\n${log}`);
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolveStop) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolveStop();
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}

/** Starts the real Haven binary serving `frontend/dist`; returns the teardown. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  for (const page of ['index.html', 'api-docs.html']) {
    if (!existsSync(join(distDir, page))) {
      throw new Error(`${join(distDir, page)} is missing: run \`npm run build\` before \`npm run e2e\`.`);
    }
  }
  const bin = resolve(frontendDir, process.env.HAVEN_BIN ?? '../target/debug/haven');
  if (!existsSync(bin)) {
    throw new Error(`Haven binary not found at ${bin}: build it (\`cargo build -p haven-api\`) or set HAVEN_BIN.`);
  }

  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'haven-e2e-'));
  const logFile = join(dataDir, 'haven.log');
  const log = createWriteStream(logFile);

  // Only the settings below: other HAVEN_* variables of the caller must not leak in.
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('HAVEN_')),
  );
  const baseUrl = `http://127.0.0.1:${String(port)}`;
  Object.assign(env, {
    HAVEN_HOST: '127.0.0.1',
    HAVEN_PORT: String(port),
    HAVEN_DATA_DIR: dataDir,
    HAVEN_DATABASE_URL: `sqlite://${dataDir}/haven.db?mode=rwc`,
    HAVEN_STATIC_DIR: distDir,
    // Links in emails (verify, invitation, reset) point at this server.
    HAVEN_PUBLIC_URL: baseUrl,
    // Reviews organization activations (e2e/organizations.spec.ts registers this address).
    HAVEN_OPERATOR_EMAILS: OPERATOR_EMAIL,
    // Webhooks may call the specs' receivers on this machine over plain http.
    HAVEN_HOOK_INSECURE_HOSTS: '127.0.0.1',
    // Email intake through the inbound-email endpoint (e2e/intake.spec.ts).
    HAVEN_INBOUND_EMAIL_SECRET: INBOUND_EMAIL_SECRET,
    HAVEN_INTAKE_DOMAIN: INTAKE_DOMAIN,
    // The specs mail from made-up domains that no DNS vouches for (SPF, DKIM, DMARC): checking
    // them is for the API tests, which run their own DNS server.
    HAVEN_INTAKE_SENDER_AUTHENTICATION: 'off',
  });

  const child = spawn(bin, [], { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);

  try {
    await waitForHealth(baseUrl, child, logFile);
  } catch (error) {
    await stop(child);
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  // Workers inherit the environment set here.
  process.env[BASE_URL_ENV] = baseUrl;
  process.env[DATA_DIR_ENV] = dataDir;

  return async () => {
    await stop(child);
    log.end();
    await rm(dataDir, { recursive: true, force: true });
  };
}
