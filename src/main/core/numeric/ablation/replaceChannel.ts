import { neuronSlot } from './replaceNeuron';
import type { FloatArray } from './types';

/** How a channel map (H x W) or token column is summarised into the neuron's scalar (docs/methods.md "Words"). */
export type ChannelSummary = 'mean' | 'max' | 'first';

/** One contiguous channel map (or token column, for 'first') as a slot of replaceNeuron.ts. */
function slotOf(h: number, w: number, summary: ChannelSummary) {
  return summary === 'first' ? neuronSlot([h * w, 1], 'cls') : neuronSlot([1, h, w], summary, 1);
}

export function channelSummary(map: FloatArray, h: number, w: number, summary: ChannelSummary = 'mean'): number {
  if (map.length !== h * w) throw new Error(`channelSummary: map length ${map.length} != ${h} x ${w}`);
  return slotOf(h, w, summary).read(map, 0, 0);
}

/**
 * Replace a spatial neuron (one contiguous channel map) by a scalar `value` of its summary. A thin wrapper
 * over replaceNeuron.ts (neuronSlot), which holds the one replacement rule per summary for every layout
 * (NCHW / NHWC maps, token tensors, 2-D features) and which the tail-graph oracle uses:
 *   mean / max:  map' = map + (value - g(map))   (a uniform SHIFT, so g(map') = value)
 *   first (ViT CLS token, = summary 'cls'): only map'[0] = value (the other tokens are left alone).
 * Zero ablation = replaceChannel(map, h, w, 0, g); mean ablation = replaceChannel(map, h, w, mu_k, g): the same
 * rule. Returns a new array of the input's type.
 */
export function replaceChannel(map: FloatArray, h: number, w: number, value: number, summary: ChannelSummary = 'mean'): FloatArray {
  if (map.length !== h * w) throw new Error(`replaceChannel: map length ${map.length} != ${h} x ${w}`);
  const out = map.slice();
  slotOf(h, w, summary).replace(out, 0, 0, value);
  return out;
}
