import { useMemo } from 'react';
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { Histogram } from '../../../../shared/contract';
import { Figure } from '../../components/Figure';
import { formatCount, formatValue } from '../../lib/format';
import { seriesColor } from '../../lib/colors';
import { methodLabel } from './format';
import { pearson } from './simulators';
import type { NeuronView, RangeKind } from './types';

/** What a neuron page's chart belongs to, for its figure caption and file name. */
export interface ChartContext {
  /** e.g. "Run #3 LE (labels) · fmnist_cnn · /Flatten_output_0" */
  run: string;
  runId: number;
  neuron: number;
  /** The run's simulator: "label simulator", or the explainer encoder of an LE(SigLIP) run. */
  simulator: string;
}

function tick(v: number): string {
  return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-2) ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}

interface TipProps {
  active?: boolean;
  payload?: ReadonlyArray<{ payload?: { x: number; y: number; image: number } }>;
  neuron: number;
}

/** A scatter point: the unit, the image, both activations. */
function ImageTip({ active, payload, neuron }: TipProps) {
  const p = active ? payload?.[0]?.payload : undefined;
  if (!p) return null;
  return (
    <div className="chart-tip" data-testid="scatter-tip">
      <strong>Unit {neuron}</strong> · image #{p.image}
      <br />
      simulated {formatValue(p.x)} · true {formatValue(p.y)}
    </div>
  );
}

/** Simulated (x) vs true (y) activation on the test split, with the y = x line; r is computed from the points drawn. */
export function ScatterPanel({
  scatter,
  stored,
  simulator,
  context,
  explanation,
}: {
  scatter: NonNullable<NeuronView['scatter']>;
  /** The stored test correlation under the same simulator (over the whole test split), or null. */
  stored: number | null;
  /** The simulator whose simulation the points are, e.g. "label simulator" or "fmnist_siglip_a (explainer)". */
  simulator: string;
  context: ChartContext;
  /** The simulated explanation's text, e.g. "1.8 x footwear + 0.9 x Sandal, bias 0.1". */
  explanation?: string;
}) {
  const points = useMemo(() => scatter.simulated.map((s, i) => ({ x: s, y: scatter.actual[i], image: scatter.imageIds[i] })), [scatter]);
  const lo = Math.min(0, ...scatter.simulated, ...scatter.actual);
  const hi = Math.max(...scatter.simulated, ...scatter.actual, 1e-6);
  const rPoints = useMemo(() => pearson(scatter.simulated, scatter.actual), [scatter]);
  const sampled = points.length < scatter.testImages;
  const r = rPoints === null ? '—' : rPoints.toFixed(3);
  const rWords = `r = ${r} (${simulator}${sampled ? `, these ${formatCount(points.length)} points` : ''})`;
  const rShort = `r = ${r}${sampled ? ` on these points` : ''} · ${simulator}`;
  return (
    <div className="chart-box" data-testid="neuron-scatter" data-r={rPoints ?? ''} data-simulator={simulator}>
      <Figure
        label="Simulated versus true activation on the test split"
        name={`run${context.runId}-neuron-${context.neuron}-scatter`}
        caption={{
          title: `Unit ${context.neuron}: simulated vs true activation, test split`,
          lines: [
            context.run,
            `${methodLabel(scatter.method)} explanation simulated by the ${simulator} · test split, ${
              sampled ? `${formatCount(points.length)} of ` : ''
            }${formatCount(scatter.testImages)} images · ${rWords}${sampled && stored !== null ? ` · all ${formatCount(scatter.testImages)}: r = ${stored.toFixed(3)}` : ''}`,
            explanation && `Explanation: ${explanation}`,
            'Each point an image; dashed line: simulated = true.',
          ],
        }}
        heading={
          <h4>
            Simulated vs true, test split{' '}
            <span className="hint" data-testid="scatter-r">
              {sampled ? `${formatCount(points.length)} of ` : ''}
              {formatCount(scatter.testImages)} images · {rShort}
              {sampled && stored !== null ? ` · all images: r = ${stored.toFixed(3)}` : ''}
            </span>
          </h4>
        }
      >
        <ResponsiveContainer width="100%" height={260}>
          <ScatterChart margin={{ top: 8, right: 16, bottom: 20, left: 4 }}>
            <CartesianGrid />
            <XAxis
              type="number"
              dataKey="x"
              domain={[lo, hi]}
              tickFormatter={tick}
              name="simulated"
              label={{ value: 'simulated', position: 'insideBottom', offset: -12, className: 'chart-label' }}
            />
            <YAxis
              type="number"
              dataKey="y"
              domain={[lo, hi]}
              tickFormatter={tick}
              name="true"
              width={48}
              label={{ value: 'true', angle: -90, position: 'insideLeft', className: 'chart-label' }}
            />
            <ReferenceLine
              segment={[
                { x: lo, y: lo },
                { x: hi, y: hi },
              ]}
              className="ref-line"
              strokeDasharray="4 4"
              ifOverflow="extendDomain"
            />
            <Tooltip
              cursor={{ strokeDasharray: '3 3' }}
              formatter={(v, n) => [formatValue(Number(v)), String(n)]}
              labelFormatter={() => ''}
              content={<ImageTip neuron={context.neuron} />}
            />
            <Scatter data={points} className="scatter-dots" isAnimationActive={false} fill="var(--accent)" fillOpacity={0.55} />
          </ScatterChart>
        </ResponsiveContainer>
      </Figure>
    </div>
  );
}

export function HistogramPanel({ histogram, context }: { histogram: Histogram; context: ChartContext }) {
  const data = useMemo(
    () => histogram.counts.map((count, i) => ({ mid: (histogram.edges[i] + histogram.edges[i + 1]) / 2, count })),
    [histogram],
  );
  const images = histogram.counts.reduce((a, b) => a + b, 0);
  const lo = histogram.edges[0];
  const hi = histogram.edges[histogram.edges.length - 1];
  return (
    <div className="chart-box" data-testid="neuron-histogram">
      <Figure
        label="Activation histogram"
        name={`run${context.runId}-neuron-${context.neuron}-histogram`}
        caption={{
          title: `Neuron ${context.neuron}: activation histogram`,
          lines: [
            context.run,
            `All ${formatCount(images)} probe images · ${histogram.counts.length} bins from ${formatValue(lo)} to ${formatValue(hi)} · y: images per bin`,
          ],
        }}
        heading={<h4>Activation histogram</h4>}
      >
        <ResponsiveContainer width="100%" height={260}>
          <BarChart data={data} margin={{ top: 8, right: 16, bottom: 20, left: 4 }} barCategoryGap={1}>
            <CartesianGrid vertical={false} />
            <XAxis
              dataKey="mid"
              tickFormatter={tick}
              interval="preserveStartEnd"
              minTickGap={24}
              label={{ value: 'activation', position: 'insideBottom', offset: -12, className: 'chart-label' }}
            />
            <YAxis allowDecimals={false} width={44} />
            <Tooltip formatter={(v) => [String(v), 'images']} labelFormatter={(l) => `≈ ${formatValue(Number(l))}`} />
            <Bar dataKey="count" className="hist-bar" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </Figure>
    </div>
  );
}

/**
 * The activation-range view: 8 buckets from 0 to the max, share of each class (or superclass) per bucket,
 * stacked; explanation concepts (LE(SigLIP)) are mean probabilities, not shares of a whole: drawn unstacked.
 */
const KIND_WORDS: Record<RangeKind, string> = {
  class: 'class',
  superclass: 'superclass',
  csv: 'CSV label',
  concept: 'explanation concept',
};

export function RangeChart({ range, kind, context }: { range: NeuronView['range']; kind: RangeKind; context: ChartContext }) {
  const stacked = kind !== 'concept';
  const series = range.labels.map((l, i) => ({ ...l, i })).filter((l) => l.kind === kind);
  const data = range.buckets.map((b) => {
    const row: Record<string, number | string> = { bucket: `${tick(b.lo)}–${tick(b.hi)}`, images: b.images };
    for (const s of series) row[s.name] = b.share[s.i] ?? 0;
    return row;
  });
  return (
    <div className="chart-box" data-testid="range-chart" data-series={series.length}>
      <Figure
        label={stacked ? 'Share of each label per activation range' : 'Mean probability of each explanation concept per activation range'}
        name={`run${context.runId}-neuron-${context.neuron}-ranges-${kind}`}
        caption={{
          title: stacked
            ? `Neuron ${context.neuron}: share of each ${KIND_WORDS[kind]} per activation range`
            : `Neuron ${context.neuron}: mean probability of each explanation concept per activation range`,
          lines: [
            context.run,
            `${range.buckets.length} ranges from 0 to the neuron's max activation${stacked ? ', shares stacked' : ''} · images per range: ${range.buckets.map((b) => b.images).join(' · ')}`,
          ],
        }}
      >
        <ResponsiveContainer width="100%" height={300}>
          <AreaChart data={data} margin={{ top: 8, right: 36, bottom: 24, left: 4 }}>
            <CartesianGrid vertical={false} />
            <XAxis
              dataKey="bucket"
              interval={0}
              tick={{ fontSize: 11 }}
              label={{ value: 'activation range', position: 'insideBottom', offset: -16, className: 'chart-label' }}
            />
            <YAxis tickFormatter={(v: number) => `${Math.round(v * 100)}%`} width={44} />
            <Tooltip formatter={(v, name) => [`${(Number(v) * 100).toFixed(1)}%`, String(name)]} />
            <Legend verticalAlign="top" height={40} wrapperStyle={{ fontSize: 12 }} />
            {series.map((s) => (
              <Area
                key={s.name}
                type="monotone"
                dataKey={s.name}
                stackId={stacked ? '1' : undefined}
                stroke={seriesColor(s.i)}
                fill={seriesColor(s.i)}
                fillOpacity={stacked ? 0.75 : 0.15}
                isAnimationActive={false}
              />
            ))}
          </AreaChart>
        </ResponsiveContainer>
      </Figure>
      <p className="hint">Images per range: {range.buckets.map((b) => b.images).join(' · ')}</p>
    </div>
  );
}
