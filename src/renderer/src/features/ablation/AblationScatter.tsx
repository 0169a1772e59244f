import { useMemo } from 'react';
import { CartesianGrid, Legend, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import { Figure } from '../../components/Figure';
import { formatCount } from '../../lib/format';
import { methodColor, MODE_LABEL } from './format';
import { methodLabel, useUnitRoute } from '../explanations';
import { useApp } from '../../lib/appContext';
import type { AblationResultsData, Mode } from './types';

interface Pt {
  x: number;
  y: number;
  neuron?: number;
  method?: string;
}

interface TipProps {
  active?: boolean;
  payload?: ReadonlyArray<{ payload?: Pt }>;
}

/** A point: its unit (click opens it), method and both scores. */
function PointTip({ active, payload }: TipProps) {
  const p = active ? payload?.[0]?.payload : undefined;
  if (!p || p.neuron === undefined) return null;
  return (
    <div className="chart-tip" data-testid="abl-scatter-tip">
      <strong>Unit {p.neuron}</strong> · {methodLabel(p.method ?? '')}
      <br />
      test r {p.x.toFixed(3)} · ablation {p.y.toFixed(4)}
      <br />
      <span className="hint">click to open the unit</span>
    </div>
  );
}

function tick(v: number): string {
  return String(Number(v.toPrecision(2)));
}

/** Points of y = a x^2 + b x + c over [lo, hi] (null when the fit is undefined). */
function fitCurve(q: { a: number | null; b: number | null; c: number | null } | null, lo: number, hi: number): Pt[] | null {
  if (!q || q.a === null || q.b === null || q.c === null || !(hi > lo)) return null;
  const { a, b, c } = q;
  return Array.from({ length: 41 }, (_, i) => {
    const x = lo + ((hi - lo) * i) / 40;
    return { x, y: a * x * x + b * x + c };
  });
}

function EmptyShape() {
  return <g />;
}

/** Correlation (x) vs ablation score (y), one colour per method, each with its quadratic fit. */
export function AblationScatter({
  data,
  mode,
  hidden,
  about,
}: {
  data: AblationResultsData;
  mode: Mode;
  hidden: ReadonlySet<string>;
  /** The run, for the figure caption: id, what it ablated, its simulator. */
  about: { runId: number; title: string; simulator: string; setId: number; explainRunId?: number };
}) {
  const { navigate } = useApp();
  const unitRoute = useUnitRoute();
  const open = (p: Pt | undefined) => {
    if (p?.neuron !== undefined) navigate(unitRoute(about.setId, p.neuron, about.explainRunId));
  };
  const series = useMemo(
    () =>
      data.scatter
        .filter((s) => !hidden.has(s.method))
        .map((s) => {
          const ys = s[mode];
          const points: Pt[] = [];
          s.correlation.forEach((x, i) => {
            const y = ys[i];
            if (x !== null && y !== null && Number.isFinite(x) && Number.isFinite(y))
              points.push({ x, y, neuron: s.neurons[i], method: s.method });
          });
          const xs = points.map((p) => p.x);
          const summary = data.methods.find((m) => m.method === s.method);
          const q = mode === 'optim' ? summary?.optimVsCorrelation : summary?.normVsCorrelation;
          const fit = xs.length ? fitCurve(q ?? null, Math.min(...xs), Math.max(...xs)) : null;
          return { method: s.method, points, fit, r2: q?.r2 ?? null };
        }),
    [data, mode, hidden],
  );
  const total = series.reduce((a, s) => a + s.points.length, 0);
  return (
    <div className="chart-box" data-testid="abl-scatter" data-points={total}>
      <Figure
        label={`Test correlation versus ${MODE_LABEL[mode]} ablation score per neuron`}
        name={`ablation-run${about.runId}-scatter-${mode}`}
        caption={{
          title: `Test correlation vs ablation score (${MODE_LABEL[mode]}) per neuron`,
          lines: [
            `Ablation run #${about.runId} · ${about.title} · simulator: ${about.simulator}`,
            `${formatCount(total)} points (one per neuron and method) · methods: ${series.map((s) => `${methodLabel(s.method)}${s.r2 === null ? '' : ` (quadratic fit R² ${s.r2.toFixed(2)})`}`).join(', ') || 'none shown'}`,
            'Reference (ResNet-50 layer4, the paper): ablation ≈ 0.42 · corr² + 0.0057.',
          ],
        }}
        heading={
          <h4>
            Correlation vs ablation score ({MODE_LABEL[mode]}){' '}
            <span className="hint">— each point a neuron's explanation; lines: quadratic fit per method</span>
          </h4>
        }
      >
        <ResponsiveContainer width="100%" height={340}>
          <ScatterChart margin={{ top: 8, right: 16, bottom: 24, left: 8 }}>
            <CartesianGrid />
            <XAxis
              type="number"
              dataKey="x"
              tickFormatter={tick}
              domain={['auto', 'auto']}
              name="test correlation"
              label={{ value: 'test correlation', position: 'insideBottom', offset: -14, className: 'chart-label' }}
            />
            <YAxis
              type="number"
              dataKey="y"
              tickFormatter={tick}
              domain={['auto', 'auto']}
              width={52}
              name="ablation score"
              label={{ value: 'ablation score', angle: -90, position: 'insideLeft', className: 'chart-label' }}
            />
            <Tooltip cursor={{ strokeDasharray: '3 3' }} content={<PointTip />} />
            <Legend verticalAlign="top" height={28} wrapperStyle={{ fontSize: 12 }} />
            {series.map((s) => (
              <Scatter
                key={s.method}
                name={methodLabel(s.method)}
                data={s.points}
                fill={methodColor(s.method)}
                fillOpacity={0.6}
                className="abl-scatter-points"
                isAnimationActive={false}
                cursor="pointer"
                onClick={(p: { payload?: Pt }) => open(p.payload)}
              />
            ))}
            {series.map((s) =>
              s.fit ? (
                <Scatter
                  key={`fit-${s.method}`}
                  name={`${methodLabel(s.method)} fit${s.r2 === null ? '' : ` (R² ${s.r2.toFixed(2)})`}`}
                  data={s.fit}
                  line={{ stroke: methodColor(s.method), strokeWidth: 2 }}
                  lineType="joint"
                  shape={<EmptyShape />}
                  legendType="line"
                  fill={methodColor(s.method)}
                  isAnimationActive={false}
                  className="abl-fit-line"
                />
              ) : null,
            )}
          </ScatterChart>
        </ResponsiveContainer>
      </Figure>
      <p className="hint">
        Reference (ResNet-50 layer4, the paper): ablation ≈ 0.42 · corr² + 0.0057 — better explanations keep the loss closer to the
        original.
      </p>
    </div>
  );
}
