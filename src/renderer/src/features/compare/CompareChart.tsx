import { Bar, BarChart, CartesianGrid, ErrorBar, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { CompareLayer } from '../../../../shared/contract';
import { Figure } from '../../components/Figure';
import { seriesColor } from '../../lib/colors';
import { chartData } from './rows';

/** Mean test correlation per run + method, one bar per simulator, whiskers = ± 1 standard error. */
export function CompareChart({ table, layer }: { table: CompareLayer; layer: string }) {
  const data = chartData(table);
  return (
    <div className="chart-box" data-testid="compare-chart" data-bars={data.length * table.simulators.length}>
      <Figure
        label="Mean test correlation per method and simulator, with standard errors"
        name={`compare-layer${table.activationSetId}-correlation`}
        caption={{
          title: 'Mean test correlation per method, ± 1 standard error (test split)',
          lines: [
            `Layer ${layer} (activation set #${table.activationSetId}) · finished explain runs`,
            `Simulators: ${table.simulators.map((s) => s.name).join(', ')} · each bar: mean over the run's scored neurons`,
          ],
        }}
        heading={<h3>Mean test correlation ± SE, per simulator</h3>}
      >
        <ResponsiveContainer width="100%" height={320}>
          <BarChart data={data} margin={{ top: 8, right: 16, bottom: 80, left: 4 }}>
            <CartesianGrid />
            <XAxis dataKey="row" interval={0} angle={-30} textAnchor="end" height={80} tick={{ fontSize: 11 }} />
            <YAxis width={48} label={{ value: 'test correlation', angle: -90, position: 'insideLeft', className: 'chart-label' }} />
            <Tooltip formatter={(v, name) => [Number(v).toFixed(3), String(name)]} />
            <Legend verticalAlign="top" height={28} wrapperStyle={{ fontSize: 12 }} />
            {table.simulators.map((s, i) => (
              <Bar key={s.id} dataKey={`m${i}`} name={s.name} fill={seriesColor(i)} isAnimationActive={false}>
                <ErrorBar dataKey={`e${i}`} width={4} stroke="currentColor" />
              </Bar>
            ))}
          </BarChart>
        </ResponsiveContainer>
      </Figure>
    </div>
  );
}
