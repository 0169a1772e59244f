import { CartesianGrid, Legend, ReferenceLine, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import { Figure, type FigureCaption } from '../../components/Figure';
import { seriesColor } from '../../lib/colors';
import type { ReliabilityBin } from './types';

interface Pt {
  x: number;
  y: number;
  n: number;
}

function points(bins: ReliabilityBin[]): Pt[] {
  return bins.flatMap((b) =>
    b.meanPredicted !== null && b.observed !== null && b.count > 0 ? [{ x: b.meanPredicted, y: b.observed, n: b.count }] : [],
  );
}

const tick = (v: number) => v.toFixed(1);
const TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];

/** Reliability diagram: mean predicted P vs observed label rate per bin, before and after calibration; the diagonal is perfect. */
export function ReliabilityChart({
  before,
  after,
  name,
  caption,
}: {
  before: ReliabilityBin[];
  after: ReliabilityBin[];
  /** The figure's file name and caption (which encoder, calibration and probe set). */
  name: string;
  caption: FigureCaption;
}) {
  const b = points(before);
  const a = points(after);
  return (
    <div className="chart-box" data-testid="reliability-chart" data-points-before={b.length} data-points-after={a.length}>
      <Figure
        label="Reliability diagram, before and after calibration"
        name={name}
        caption={caption}
        heading={
          <h4>
            Reliability{' '}
            <span className="hint">— predicted P vs observed share of positive labels per bin; on the diagonal = calibrated</span>
          </h4>
        }
      >
        <ResponsiveContainer width="100%" height={300}>
          <ScatterChart margin={{ top: 8, right: 16, bottom: 24, left: 8 }}>
            <CartesianGrid />
            <XAxis
              type="number"
              dataKey="x"
              domain={[0, 1]}
              ticks={TICKS}
              tickFormatter={tick}
              name="predicted"
              label={{ value: 'mean predicted P', position: 'insideBottom', offset: -14, className: 'chart-label' }}
            />
            <YAxis
              type="number"
              dataKey="y"
              domain={[0, 1]}
              ticks={TICKS}
              tickFormatter={tick}
              width={44}
              name="observed"
              label={{ value: 'observed rate', angle: -90, position: 'insideLeft', className: 'chart-label' }}
            />
            <Tooltip cursor={{ strokeDasharray: '3 3' }} formatter={(v) => Number(v).toFixed(3)} />
            <Legend verticalAlign="top" height={28} wrapperStyle={{ fontSize: 12 }} />
            <ReferenceLine
              segment={[
                { x: 0, y: 0 },
                { x: 1, y: 1 },
              ]}
              className="ref-line"
              strokeDasharray="4 4"
              ifOverflow="hidden"
            />
            <Scatter
              name="before (a=1, b=0)"
              data={b}
              fill={seriesColor(1)}
              line={{ stroke: seriesColor(1) }}
              lineType="joint"
              isAnimationActive={false}
            />
            <Scatter
              name="after (fitted)"
              data={a}
              fill={seriesColor(0)}
              line={{ stroke: seriesColor(0), strokeWidth: 2 }}
              lineType="joint"
              isAnimationActive={false}
            />
          </ScatterChart>
        </ResponsiveContainer>
      </Figure>
    </div>
  );
}
