import { useMemo } from 'react';
import type { Out } from '../../lib/contract';
import type { ShownError } from '../../lib/errors';
import { useContractQueries, useContractQuery } from '../../lib/query';
import { channelAxisOf, parseUnitPosition, unitIndex, type UnitGeometry } from '../../../../shared/unitAddress';
import type { UnitRef } from './route';

// Units as researchers address them: model / layer / unit. A layer is an activation set (a model's tensor,
// summarised, over a probe set); a unit is a neuron index in it. The jump box reads "layer:unit" or "unit".

export type SetInfo = Out<'activations.list'>[number];
export type ModelInfo = Out<'model.list'>[number];

/** A layer as a person reads it: the tensor name without the leading "/" and the "_output_0" suffix. */
export function layerShortName(tensorName: string): string {
  const s = tensorName.replace(/^\/+/, '').replace(/_output_\d+$/, '');
  return s || tensorName;
}

export interface Layer {
  set: SetInfo;
  model: ModelInfo | undefined;
  /** "Flatten" */
  short: string;
  /** "fmnist_cnn / Flatten" */
  label: string;
  /** What tells two sets of one layer apart: summary and set id, e.g. "identity · set #2". */
  detail: string;
  /** Identity units of a map or token tensor (addressed channel / y / x or token / feature); null for the others or while loading. */
  geometry: UnitGeometry | null;
}

/** The project's layers (activation sets) with their models' names; null while either list loads. */
export function useLayers(): { layers: Layer[] | null; error: ShownError | null } {
  const sets = useContractQuery('activations.list', {});
  const models = useContractQuery('model.list', {});
  // Layer shapes only where units have positions (identity sets): one model.info per such model.
  const identityModels = useMemo(
    () => [...new Set((sets.data ?? []).filter((s) => s.summary === 'identity').map((s) => s.modelId))].map((modelId) => ({ modelId })),
    [sets.data],
  );
  const infos = useContractQueries('model.info', identityModels);
  // A new array each render: what matters is which models' answers have arrived.
  const infosKey = infos.map((i) => (i ? i.model.id : '-')).join(',');
  const layers = useMemo(() => {
    if (!sets.data || !models.data) return null;
    return sets.data.map((set): Layer => {
      const model = models.data?.find((m) => m.id === set.modelId);
      const short = layerShortName(set.tensorName);
      const info = infos.find((i) => i?.model.id === set.modelId);
      const shape = info?.layers.find((l) => l.id === set.layerId)?.shape;
      const geometry: UnitGeometry | null =
        set.summary === 'identity' && info && shape && shape.length >= 3
          ? { shape, summary: set.summary, channelAxis: channelAxisOf(shape, info.model.info.layout) }
          : null;
      return {
        set,
        model,
        short,
        label: `${model?.name ?? `model #${set.modelId}`} / ${short}`,
        detail: `${set.summary} · set #${set.id}`,
        geometry,
      };
    });
  }, [sets.data, models.data, infosKey]);
  return { layers, error: sets.error ?? models.error };
}

/** Why a unit index does not exist in a layer ("Flatten has 64 units (0-63)"), or null when it does. */
export function rangeProblem(layer: Layer, neuron: number): string | null {
  const n = layer.set.nNeurons;
  if (Number.isInteger(neuron) && neuron >= 0 && neuron < n) return null;
  return `${layer.short} has ${n.toLocaleString('en-US')} unit${n === 1 ? '' : 's'} (0-${(n - 1).toLocaleString('en-US')}); ${neuron} is not one of them.`;
}

export type JumpResult = { ok: true; setId: number; neuron: number } | { ok: false; message: string };

/**
 * Read what was typed into the jump box: "42" (a unit of the current layer), "3/2/5" (channel / y / x of an identity
 * unit of a map; "4/17" token / feature), "layer4:42" or "Flatten:42" (a layer
 * by its name; a part of the name is enough when only one layer has it, layers of the current model first), or
 * "#5:42" (activation set 5).
 */
export function parseJump(text: string, layers: Layer[], current: Layer | null): JumpResult {
  const t = text.trim();
  if (!t) return { ok: false, message: 'Type a unit number (42) or layer:unit (layer4:42).' };
  let layer: Layer | null = current;
  let unitText = t;
  const m = /^(.*):\s*(\S+)$/.exec(t);
  if (m) {
    const token = m[1].trim();
    unitText = m[2];
    const found = findLayer(token, layers, current);
    if (!found.ok) return { ok: false, message: found.message };
    layer = found.layer;
  } else if (!current) {
    return { ok: false, message: 'No layer is open: type layer:unit (e.g. Flatten:42) or pick a layer below.' };
  }
  if (!layer) return { ok: false, message: 'No layer is open: type layer:unit or pick a layer below.' };
  // Identity units of a map or token tensor: "3/2/5" (channel / y / x) or "4/17" (token / feature).
  const position = unitText.includes('/') ? parseUnitPosition(unitText) : null;
  if (position) {
    if (!layer.geometry)
      return {
        ok: false,
        message: `${layer.short} (${layer.set.summary}) numbers its units 0-${layer.set.nNeurons - 1}; "${unitText}" addresses a position, which only identity layers of a map have.`,
      };
    const index = unitIndex(layer.geometry, position);
    if (index === null)
      return { ok: false, message: `${unitText} is outside ${layer.short}: its shape is ${layer.geometry.shape.slice(1).join(' × ')}.` };
    return { ok: true, setId: layer.set.id, neuron: index };
  }
  if (!/^\d+$/.test(unitText))
    return { ok: false, message: `"${unitText}" is not a unit number: type a whole number, e.g. ${layer.short}:0.` };
  const neuron = Number(unitText);
  const problem = rangeProblem(layer, neuron);
  return problem ? { ok: false, message: problem } : { ok: true, setId: layer.set.id, neuron };
}

function findLayer(token: string, layers: Layer[], current: Layer | null): { ok: true; layer: Layer } | { ok: false; message: string } {
  if (!token) return { ok: false, message: 'Name the layer before the colon, e.g. Flatten:42.' };
  const byId = /^#(\d+)$/.exec(token);
  if (byId) {
    const l = layers.find((x) => x.set.id === Number(byId[1]));
    return l ? { ok: true, layer: l } : { ok: false, message: `There is no activation set #${byId[1]} in this project.` };
  }
  const low = token.toLowerCase();
  const tiers = [
    layers.filter((l) => l.set.tensorName.toLowerCase() === low || l.short.toLowerCase() === low),
    layers.filter((l) => l.set.tensorName.toLowerCase().includes(low)),
  ];
  for (const tier of tiers) {
    if (tier.length === 0) continue;
    if (tier.length === 1) return { ok: true, layer: tier[0] };
    // Several sets: the current one, then the current model's, decide.
    if (current && tier.some((l) => l.set.id === current.set.id)) return { ok: true, layer: current };
    const mine = current ? tier.filter((l) => l.set.modelId === current.set.modelId) : [];
    if (mine.length === 1) return { ok: true, layer: mine[0] };
    return {
      ok: false,
      message: `"${token}" matches ${tier.length} layers (${tier
        .slice(0, 4)
        .map((l) => `${l.label}, ${l.detail}`)
        .join('; ')}): type #<set>:unit or pick one below.`,
    };
  }
  const names = [...new Set(layers.map((l) => l.short))].slice(0, 6).join(', ');
  return { ok: false, message: `No layer is called "${token}"${names ? ` (layers: ${names})` : ''}.` };
}

// Recent units, kept per project in this browser's localStorage (a list of where the user looked, not project data).

const RECENT_MAX = 12;
const recentKey = (projectPath: string) => `nwb.recentUnits:${projectPath}`;

export function readRecent(projectPath: string | undefined): UnitRef[] {
  if (!projectPath) return [];
  try {
    const v = JSON.parse(window.localStorage.getItem(recentKey(projectPath)) ?? '[]') as unknown;
    return Array.isArray(v)
      ? v.filter(
          (x): x is UnitRef =>
            !!x && typeof x === 'object' && Number.isInteger((x as UnitRef).setId) && Number.isInteger((x as UnitRef).neuron),
        )
      : [];
  } catch {
    return [];
  }
}

export function pushRecent(projectPath: string | undefined, unit: UnitRef): void {
  if (!projectPath) return;
  const list = [unit, ...readRecent(projectPath).filter((u) => !(u.setId === unit.setId && u.neuron === unit.neuron))].slice(0, RECENT_MAX);
  try {
    window.localStorage.setItem(recentKey(projectPath), JSON.stringify(list));
  } catch {
    // Storage full or disabled: the list is a convenience.
  }
}
