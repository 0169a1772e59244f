import type { ReactNode } from 'react';
import { Bar, BarChart, CartesianGrid, ErrorBar, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { seriesColor } from '../lib/colors';
import { Figure, type FigureCaption } from './Figure';

// One mean per bar with a ± 1 standard-error whisker (a method's mean AUROC, mean rating, ...), exportable as a figure.

export interface MeanBar {
  name: string;
  mean: number | null;
  se: number | null;
}

export function MeanBarChart({
  bars,
  yLabel,
  domain,
  digits = 3,
  label,
  name,
  caption,
  heading,
  testId,
}: {
  bars: MeanBar[];
  yLabel: string;
  domain: [number, number];
  digits?: number;
  /** The figure's accessible label, file name, printed caption and on-screen heading (components/Figure). */
  label: string;
  name: string;
  caption: FigureCaption;
  heading: ReactNode;
  testId: string;
}) {
  const data = bars.map((b) => ({ name: b.name, mean: b.mean, se: b.se ?? 0 }));
  return (
    <div className="chart-box" data-testid={testId}>
      <Figure label={label} name={name} caption={caption} heading={heading}>
        <ResponsiveContainer width="100%" height={260}>
          <BarChart data={data} margin={{ top: 8, right: 16, bottom: 60, left: 4 }}>
            <CartesianGrid />
            <XAxis dataKey="name" interval={0} angle={-20} textAnchor="end" height={60} tick={{ fontSize: 11 }} />
            <YAxis width={48} domain={domain} label={{ value: yLabel, angle: -90, position: 'insideLeft', className: 'chart-label' }} />
            <Tooltip formatter={(v) => [Number(v).toFixed(digits), `mean ${yLabel}`]} />
            <Bar dataKey="mean" name={`mean ${yLabel}`} fill={seriesColor(0)} isAnimationActive={false}>
              <ErrorBar dataKey="se" width={4} stroke="currentColor" />
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </Figure>
    </div>
  );
}
