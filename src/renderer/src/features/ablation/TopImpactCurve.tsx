import { useMemo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Figure } from '../../components/Figure';
import { formatBeta, formatPct } from './format';
import type { TopImpactData } from './types';

/** TI(β): x = top fraction β of images by activation (log scale), y = cumulative share of |impact|; y = x for reference. */
export function TopImpactCurve({ data, about }: { data: TopImpactData; about: { runId: number; title: string } }) {
  const points = useMemo(
    () =>
      data.curveBetas
        .map((beta, i) => ({ beta, mean: data.meanCurve[i] ?? null, neuron: data.curve?.values[i] ?? null, uniform: beta }))
        .filter((p) => p.beta > 0),
    [data],
  );
  const lo = points.length ? points[0].beta : 1e-4;
  return (
    <div className="chart-box" data-testid="ti-curve" data-points={points.length}>
      <Figure
        label="Top Impact curve: cumulative share of impact by top activation fraction"
        name={`topimpact-run${about.runId}-curve${data.curve ? `-neuron-${data.curve.neuron}` : ''}`}
        caption={{
          title: `Top Impact curve: share of |impact| carried by the top fraction β of images by activation`,
          lines: [
            `Top Impact run #${about.runId} · ${about.title}`,
            `Layer mean${data.curve ? ` and neuron ${data.curve.neuron}` : ''} · β on a log scale · dashed: y = x (impact spread evenly over the images)`,
          ],
        }}
      >
        <ResponsiveContainer width="100%" height={300}>
          <LineChart data={points} margin={{ top: 8, right: 20, bottom: 24, left: 8 }}>
            <CartesianGrid />
            <XAxis
              type="number"
              dataKey="beta"
              scale="log"
              domain={[lo, 1]}
              allowDataOverflow
              ticks={[0.0003, 0.002, 0.02, 0.1, 0.5, 1].filter((t) => t >= lo)}
              tickFormatter={formatBeta}
              label={{
                value: 'top fraction β of images by activation (log)',
                position: 'insideBottom',
                offset: -14,
                className: 'chart-label',
              }}
            />
            <YAxis
              domain={[0, 1]}
              tickFormatter={(v: number) => `${Math.round(v * 100)}%`}
              width={48}
              label={{ value: 'share of |impact|', angle: -90, position: 'insideLeft', className: 'chart-label' }}
            />
            <Tooltip
              formatter={(v, name) => [formatPct(Number(v), 1), String(name)]}
              labelFormatter={(l) => `β = ${formatBeta(Number(l))}`}
            />
            <Legend verticalAlign="top" height={28} wrapperStyle={{ fontSize: 12 }} />
            <Line
              dataKey="uniform"
              name="y = x (impact spread evenly)"
              stroke="var(--muted)"
              strokeDasharray="4 4"
              dot={false}
              isAnimationActive={false}
              className="ti-ref"
            />
            <Line
              dataKey="mean"
              name="layer mean"
              stroke="#4c78a8"
              strokeWidth={2}
              dot={false}
              connectNulls
              isAnimationActive={false}
              className="ti-mean"
            />
            {data.curve && (
              <Line
                dataKey="neuron"
                name={`neuron ${data.curve.neuron}`}
                stroke="#f58518"
                strokeWidth={2}
                dot={false}
                connectNulls
                isAnimationActive={false}
                className="ti-neuron"
              />
            )}
          </LineChart>
        </ResponsiveContainer>
      </Figure>
    </div>
  );
}
