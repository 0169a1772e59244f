import type { CompareLayer, CompareLayerRow, Contract, MethodName } from '../../../../shared/contract';
import type { InputOf, OutputOf } from '../../../../shared/define';

// The LE paper's main table on the user's model: every finished explain run of a layer, every explanation method in
// it, its mean test correlation +- SE under each simulator it was scored with and its ablation means. Numbers are
// read through the contract's own methods (simulate.means, ablation.results), never recomputed, so this table and the
// run's results screen cannot disagree. The composition root hands the backend's handlers in (as for reports).

export type Read = <M extends MethodName>(method: M, input: InputOf<Contract, M>) => Promise<OutputOf<Contract, M>>;

/** Table column order: label simulator first, encoders by name, numbers imported files carried last. */
const rank = (id: string) => (id === 'label' ? 0 : id === 'reported' ? 2 : 1);

export async function compareLayer(read: Read, activationSetId: number): Promise<CompareLayer> {
  const runs = (await read('explain.runs', { activationSetId })).filter((r) => r.status === 'done');
  // ablation.runs is newest first; only finished ones, whose means cover every neuron they were asked for.
  const ablations = (await read('ablation.runs', { activationSetId })).filter((a) => a.kind === 'ablation' && a.status === 'done');
  const simulators = new Map<string, string>();
  const rows: CompareLayerRow[] = [];
  for (const run of runs) {
    const means = await read('simulate.means', { explainRunId: run.id });
    for (const s of means) simulators.set(s.simulator, s.name);
    const abl = [];
    for (const a of ablations.filter((x) => x.explainRunId === run.id)) {
      // Only per-method means are used (the page size does not change them).
      const res = await read('ablation.results', { ablationRunId: a.id, offset: 0, limit: 1 });
      const key = typeof a.params.simulatorKey === 'string' ? a.params.simulatorKey : 'label';
      const name = typeof a.params.simulatorName === 'string' ? a.params.simulatorName : (simulators.get(key) ?? key);
      abl.push({ ablationRunId: a.id, simulator: key, simulatorName: name, methods: res.methods });
    }
    const methods = new Set([...means.flatMap((s) => Object.keys(s.methods)), ...abl.flatMap((a) => a.methods.map((m) => m.method))]);
    const path = run.params.path;
    for (const method of [...methods].sort()) {
      const correlation: CompareLayerRow['correlation'] = {};
      for (const s of means) if (s.methods[method]) correlation[s.simulator] = s.methods[method];
      const ablationsOf = abl.flatMap((a) => {
        const m = a.methods.find((x) => x.method === method);
        return m
          ? [{ ablationRunId: a.ablationRunId, simulator: a.simulator, simulatorName: a.simulatorName, optim: m.optim, norm: m.norm }]
          : [];
      });
      rows.push({
        explainRunId: run.id,
        runMethod: run.method,
        runFile: typeof path === 'string' ? (path.split(/[\\/]/).pop() ?? path) : null,
        runCreatedAt: run.createdAt,
        method,
        n: Math.max(0, ...Object.values(correlation).map((c) => c.n)),
        correlation,
        ablations: ablationsOf,
      });
    }
  }
  const cols = [...simulators].map(([id, name]) => ({ id, name }));
  cols.sort((a, b) => rank(a.id) - rank(b.id) || a.name.localeCompare(b.name));
  return { activationSetId, simulators: cols, rows };
}
