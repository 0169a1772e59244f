import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// `npm run bench [-- name ...] [-- --quick]`: runs each benchmark in its own process (so peak RSS is
// its own), collects the one JSON object each prints on stdout, and prints them all as one JSON document.

const ALL = [
  'import',
  'inference',
  'explain',
  'ablation',
  'tail',
  'encoders',
  'conceptP',
  'reports',
  'browse',
  'heatmaps',
  'mapping',
  'languageModel',
  'captioner',
  'generator',
  'clipDissect',
  'dnd',
  'labelSimilarity',
  'classifierFinding',
  'cluster',
];
const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const names = args.filter((a) => !a.startsWith('--'));
const chosen = names.length ? names : ALL;

const results: Record<string, unknown> = {};
for (const name of chosen) {
  const file = join(import.meta.dirname, `${name}.ts`);
  if (!existsSync(file)) {
    results[name] = { error: `no benchmark named '${name}' (known: ${ALL.join(', ')})` };
    continue;
  }
  process.stderr.write(`bench: ${name} ...\n`);
  const tsx = join(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx');
  const r = spawnSync(tsx, [file, ...flags], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
  results[name] = lastJsonObject(r.stdout) ?? { error: `printed no JSON object (exit ${r.status})` };
}
const doc = { machine: { cpus: (await import('node:os')).cpus().length, node: process.version, date: new Date().toISOString() }, results };
console.log(JSON.stringify(doc, null, 2));

/** The whole stdout as JSON, else its last line that parses as a JSON object. */
function lastJsonObject(stdout: string): unknown {
  const text = stdout.trim();
  for (const candidate of [text, ...text.split('\n').reverse()]) {
    if (!candidate.startsWith('{')) continue;
    try {
      return JSON.parse(candidate);
    } catch {
      /* try the next candidate */
    }
  }
  return null;
}
