import { useState } from 'react';
import type { ExplainMethod, ExplainRunInfo } from '../../../../shared/contract';
import { METHOD_LABEL, methodLabel, RUN_METHODS } from '../../../../shared/methodNames';
import { formatCount } from '../../lib/format';

// The runs an evaluation compares (classifier finding, label similarity): a layer's finished runs to tick, and for a
// run that stores several label methods (a DnD run's labels 1-3, an LE run's baselines) which one to read.

/** "#3 DnD": a run as the comparison panels name it. */
export const runName = (r: { id: number; method: string }) => `#${r.id} ${METHOD_LABEL[r.method] ?? r.method}`;

/** " (imported from final_results.csv)" for a run labels.import made; else ''. */
export function importedFile(r: ExplainRunInfo): string {
  const imported = r.params.imported as { path?: unknown } | undefined;
  return typeof imported?.path === 'string' ? ` (imported from ${imported.path.split(/[\\/]/).pop()})` : '';
}

export interface RunChoice {
  picked: number[];
  setPicked: (f: (p: number[]) => number[]) => void;
  methods: Record<number, ExplainMethod>;
  setMethods: (f: (m: Record<number, ExplainMethod>) => Record<number, ExplainMethod>) => void;
}

export function useRunChoice(): RunChoice {
  const [picked, setPicked] = useState<number[]>([]);
  const [methods, setMethods] = useState<Record<number, ExplainMethod>>({});
  return { picked, setPicked, methods, setMethods };
}

/** The contract's `method` map for the chosen runs: only where a run is read with another method than its own. */
export function methodInput(choice: RunChoice, runs: readonly ExplainRunInfo[]): Record<string, ExplainMethod> {
  return Object.fromEntries(runs.flatMap((r) => (choice.methods[r.id] ? [[String(r.id), choice.methods[r.id]]] : [])));
}

/** Test ids: `<testId>-runs` (the list), `<testId>-run` (a checkbox), `<testId>-run-method` (a run's method). */
export function RunChecklist({
  runs,
  layer,
  choice,
  testId,
}: {
  runs: readonly ExplainRunInfo[];
  layer: string;
  choice: RunChoice;
  testId: string;
}) {
  const { picked, setPicked, methods, setMethods } = choice;
  return (
    <fieldset className="stack" data-testid={`${testId}-runs`}>
      <legend>Runs of {layer}</legend>
      {runs.map((r) => {
        const options = RUN_METHODS[r.method] ?? [];
        return (
          <label key={r.id}>
            <input
              type="checkbox"
              checked={picked.includes(r.id)}
              onChange={(e) => setPicked((p) => (e.target.checked ? [...p, r.id] : p.filter((x) => x !== r.id)))}
              data-testid={`${testId}-run`}
              data-run={r.id}
            />{' '}
            {runName(r)}
            {importedFile(r)} · {formatCount(r.neuronsDone)} neurons
            {options.length > 1 && (
              <>
                {' '}
                · labels{' '}
                <select
                  value={methods[r.id] ?? options[0]}
                  onChange={(e) => setMethods((m) => ({ ...m, [r.id]: e.target.value as ExplainMethod }))}
                  aria-label={`Which labels of run #${r.id}`}
                  data-testid={`${testId}-run-method`}
                  data-run={r.id}
                >
                  {options.map((m) => (
                    <option key={m} value={m}>
                      {methodLabel(m)}
                    </option>
                  ))}
                </select>
              </>
            )}
          </label>
        );
      })}
    </fieldset>
  );
}
