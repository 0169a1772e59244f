import type { Layout, Preprocessing } from '../../../../shared/contract';
import { parseNumberList } from './format';

// The preprocessing form's state: text where a person types numbers, parsed back into Preprocessing.

export interface Draft {
  height: string;
  width: string;
  resize: Preprocessing['resize'];
  interpolation: Preprocessing['interpolation'];
  scale: string;
  mean: string;
  std: string;
  channels: 1 | 3;
  layout: Layout;
}

function num(v: number): string {
  return String(Number(v.toPrecision(8)));
}

export function toDraft(p: Preprocessing): Draft {
  return {
    height: String(p.size[0]),
    width: String(p.size[1]),
    resize: p.resize,
    interpolation: p.interpolation,
    // 1/255 is how pipelines write it; keep that spelling instead of 0.0039215686.
    scale: Math.abs(p.scale - 1 / 255) < 1e-12 ? '1/255' : num(p.scale),
    mean: p.mean.map(num).join(', '),
    std: p.std.map(num).join(', '),
    channels: p.channels,
    layout: p.layout,
  };
}

function parseScale(s: string): number | null {
  const m = /^\s*([0-9.eE+-]+)\s*\/\s*([0-9.eE+-]+)\s*$/.exec(s);
  const v = m ? Number(m[1]) / Number(m[2]) : Number(s.trim());
  return s.trim() && Number.isFinite(v) && v !== 0 ? v : null;
}

export type Parsed = { ok: true; value: Preprocessing } | { ok: false; error: string };

export function fromDraft(d: Draft): Parsed {
  const h = Number(d.height);
  const w = Number(d.width);
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1 || h > 4096 || w > 4096)
    return { ok: false, error: 'Size: whole numbers from 1 to 4096.' };
  const scale = parseScale(d.scale);
  if (scale === null) return { ok: false, error: 'Scale: a non-zero number such as 1/255 or 0.00392.' };
  const mean = parseNumberList(d.mean);
  const std = parseNumberList(d.std);
  const allowed = d.channels === 1 ? '1 value' : '1 or 3 values';
  if (!mean || (mean.length !== 1 && mean.length !== d.channels)) return { ok: false, error: `Mean: ${allowed}, separated by commas.` };
  if (!std || (std.length !== 1 && std.length !== d.channels)) return { ok: false, error: `Std: ${allowed}, separated by commas.` };
  if (std.some((v) => v === 0)) return { ok: false, error: 'Std: values must not be 0.' };
  return {
    ok: true,
    value: { size: [h, w], resize: d.resize, interpolation: d.interpolation, scale, mean, std, channels: d.channels, layout: d.layout },
  };
}

export function samePreprocessing(a: Preprocessing, b: Preprocessing): boolean {
  const key = (p: Preprocessing) => JSON.stringify([p.size, p.resize, p.interpolation, p.scale, p.mean, p.std, p.channels, p.layout]);
  return key(a) === key(b);
}
