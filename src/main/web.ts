import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { watchParent } from './parentWatch';
import { startWebServer } from './web/server';

// `npm run web`: the real renderer in a plain browser against the real backend, on loopback only.
// The npm script builds the renderer (out/web) first; this file only serves it.

function fail(message: string): never {
  console.error(`\nneuron-workbench web: ${message}\n`);
  process.exit(1);
}

function box(lines: string[]): string {
  const width = Math.max(...lines.map((l) => l.length));
  const bar = '─'.repeat(width + 2);
  return [`┌${bar}┐`, ...lines.map((l) => `│ ${l.padEnd(width)} │`), `└${bar}┘`].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string' }, project: { type: 'string' }, 'data-dir': { type: 'string' }, host: { type: 'string' } },
    allowPositionals: false,
  });
  const portText = values.port ?? process.env.NWB_PORT ?? '0';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    fail(`--port/NWB_PORT must be a port number (0 picks a free one), not "${portText}".`);
  const staticDir = resolve(process.env.NWB_STATIC_DIR ?? 'out/web');
  if (!existsSync(join(staticDir, 'index.html')))
    fail(`${staticDir}/index.html is missing: build the renderer first (\`npm run web\` does).`);
  const userDataDir = resolve(values['data-dir'] ?? process.env.NWB_DATA_DIR ?? join(homedir(), '.config', 'neuron-workbench'));

  const server = await startWebServer({
    host: values.host,
    port,
    userDataDir,
    staticDir,
    openProject: values.project ? resolve(values.project) : undefined,
  }).catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));

  const lines = [
    'Neuron Workbench (browser mode) is running.',
    '',
    "Open this link (it carries this launch's access token):",
    server.url,
    '',
    `Data folder: ${userDataDir}`,
  ];
  if (server.project) lines.push(`Project: ${server.project.path}`);
  if (server.projectError) lines.push(`Could not open the project: ${server.projectError.message}`);
  lines.push('', 'Press Ctrl+C to stop.');
  console.log(`\n${box(lines)}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: closing the project and stopping…`);
    const force = setTimeout(() => process.exit(1), 8000);
    force.unref();
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  watchParent(() => stop('launcher exited'));
}

void main();
