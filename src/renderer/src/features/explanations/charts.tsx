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
import { formatValue } from '../../lib/format';
import { seriesColor } from '../../lib/colors';
import type { NeuronView, RangeKind } from './types';

function tick(v: number): string {
  return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-2) ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}

/** Simulated (x) vs true (y) activation on the test split, with the y = x line. */
export function ScatterPanel({ scatter, correlation }: { scatter: NonNullable<NeuronView['scatter']>; correlation: number | null }) {
  const points = useMemo(() => scatter.simulated.map((s, i) => ({ x: s, y: scatter.actual[i] })), [scatter]);
  const lo = Math.min(0, ...scatter.simulated, ...scatter.actual);
  const hi = Math.max(...scatter.simulated, ...scatter.actual, 1e-6);
  return (
    <div className="chart-box" data-testid="neuron-scatter" role="img" aria-label="Simulated versus true activation on the test split">
      <h4>
        Simulated vs true, test split{' '}
        <span className="hint">
          ({scatter.testImages} images; r = {correlation === null ? '—' : correlation.toFixed(3)})
        </span>
      </h4>
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
          <Tooltip cursor={{ strokeDasharray: '3 3' }} formatter={(v) => formatValue(Number(v))} />
          <Scatter data={points} className="scatter-dots" isAnimationActive={false} fill="var(--accent)" fillOpacity={0.55} />
        </ScatterChart>
      </ResponsiveContainer>
    </div>
  );
}

export function HistogramPanel({ histogram }: { histogram: Histogram }) {
  const data = useMemo(
    () => histogram.counts.map((count, i) => ({ mid: (histogram.edges[i] + histogram.edges[i + 1]) / 2, count })),
    [histogram],
  );
  return (
    <div className="chart-box" data-testid="neuron-histogram" role="img" aria-label="Activation histogram">
      <h4>Activation histogram</h4>
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
    </div>
  );
}

/**
 * The activation-range view: 8 buckets from 0 to the max, share of each class (or superclass) per bucket,
 * stacked; explanation concepts (LE(SigLIP)) are mean probabilities, not shares of a whole: drawn unstacked.
 */
export function RangeChart({ range, kind }: { range: NeuronView['range']; kind: RangeKind }) {
  const stacked = kind !== 'concept';
  const series = range.labels.map((l, i) => ({ ...l, i })).filter((l) => l.kind === kind);
  const data = range.buckets.map((b) => {
    const row: Record<string, number | string> = { bucket: `${tick(b.lo)}–${tick(b.hi)}`, images: b.images };
    for (const s of series) row[s.name] = b.share[s.i] ?? 0;
    return row;
  });
  return (
    <div
      className="chart-box"
      data-testid="range-chart"
      data-series={series.length}
      role="img"
      aria-label={
        stacked ? 'Share of each label per activation range' : 'Mean probability of each explanation concept per activation range'
      }
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
      <p className="hint">Images per range: {range.buckets.map((b) => b.images).join(' · ')}</p>
    </div>
  );
}
