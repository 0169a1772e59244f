import { spawnSync } from 'node:child_process';

// The shape of most benchmarks: several cases, each in its own child process (so each peak RSS is its own),
// collected into one JSON document. `--case NAME` runs one case and prints its JSON line.

export type Cases = Record<string, () => Promise<object>>;

export async function runCases(benchmark: string, file: string, cases: Cases, extra: Record<string, unknown> = {}): Promise<void> {
  const quick = process.argv.includes('--quick');
  if (process.argv.includes('--case')) {
    const one = process.argv[process.argv.indexOf('--case') + 1];
    console.log(JSON.stringify(await cases[one]()));
    return;
  }
  const results: Record<string, unknown> = {};
  for (const name of Object.keys(cases)) {
    const r = spawnSync(process.execPath, [...process.execArgv, file, '--case', name, ...(quick ? ['--quick'] : [])], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 16 << 20,
    });
    try {
      results[name] = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
    } catch {
      results[name] = { error: `exit ${r.status}` };
    }
  }
  console.log(JSON.stringify({ benchmark, ...extra, node: process.version, quick, results }, null, 2));
}
