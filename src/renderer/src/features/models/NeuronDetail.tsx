import { useMemo } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Histogram } from '../../../../shared/contract';
import { ErrorBox } from '../../components/ErrorBox';
import { Figure } from '../../components/Figure';
import { useContractQuery } from '../../lib/query';
import { formatShare, formatValue } from '../../lib/format';
import { router } from '../../routes';

interface Bin {
  mid: number;
  lo: number;
  hi: number;
  count: number;
}

function bins(h: Histogram): Bin[] {
  return h.counts.map((count, i) => ({ lo: h.edges[i], hi: h.edges[i + 1], mid: (h.edges[i] + h.edges[i + 1]) / 2, count }));
}

function formatTick(v: number): string {
  return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-2) ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}

/** A header stat with its definition inline (ux.md: max, mean, density, dead?). */
function Stat({
  label,
  value,
  definition,
  testId,
  warn,
}: {
  label: string;
  value: string;
  definition: string;
  testId: string;
  warn?: boolean;
}) {
  return (
    <div className={`stat neuron-stat${warn ? ' warn' : ''}`}>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
      <dd className="stat-def">{definition}</dd>
    </div>
  );
}

/** One neuron: header stats with definitions and its activation histogram over the probe set. */
export function NeuronDetail({
  activationSetId,
  modelId,
  neuron,
  images,
  about,
}: {
  activationSetId: number;
  /** The model, for the link to the unit's page (model / layer / unit). */
  modelId: number;
  neuron: number;
  images: number;
  /** The layer and set, for the figure caption (e.g. "fmnist_cnn · /Flatten_output_0 (identity) · activation set #2"). */
  about: string;
}) {
  const { data, error } = useContractQuery('activations.neuron', { activationSetId, neuron });

  const chart = useMemo(() => (data ? bins(data.histogram) : []), [data]);
  const s = data?.stat;
  return (
    <section className="card neuron-detail" aria-labelledby="neuron-title" data-testid="neuron-detail" data-neuron={neuron}>
      <h3 id="neuron-title">
        Neuron {neuron}
        {s?.dead && <span className="badge badge-dead">dead</span>}
        {!!s?.nonFinite && <span className="badge badge-nonfinite">non-finite</span>}{' '}
        <a
          className="float-end"
          href={router.href({ screen: 'explanations', view: 'unit', modelId, setId: activationSetId, neuron })}
          data-testid="neuron-unit-link"
        >
          Unit page (explanations) →
        </a>
      </h3>
      <ErrorBox error={error} />
      {s && (
        <>
          <dl className="stat-row">
            <Stat label="max" value={formatValue(s.max)} definition="largest activation on any probe image" testId="neuron-max" />
            <Stat
              label="mean"
              value={formatValue(s.mean)}
              definition={`average over ${images.toLocaleString('en-US')} images (std ${formatValue(s.std)})`}
              testId="neuron-mean"
            />
            <Stat
              label="density"
              value={formatShare(1 - s.zeroShare)}
              definition="share of images where it is non-zero"
              testId="neuron-density"
            />
            <Stat
              label="dead?"
              value={s.dead ? 'yes' : 'no'}
              definition="dead = max below 0.01 on every image"
              testId="neuron-dead"
              warn={s.dead}
            />
          </dl>
          <p className="hint">
            min {formatValue(s.min)} · std {formatValue(s.std)} · zeros {formatShare(s.zeroShare)}
          </p>
          {s.nonFinite > 0 && (
            <p className="warn-text" data-testid="neuron-nonfinite" data-value={s.nonFinite}>
              {s.nonFinite.toLocaleString('en-US')} of {images.toLocaleString('en-US')} values are NaN or ±Infinity: the stats and the
              histogram cover the other {(images - s.nonFinite).toLocaleString('en-US')}. Explanations skip this neuron.
            </p>
          )}
          <div className="neuron-hist" data-testid="neuron-hist">
            <Figure
              label={`Histogram of neuron ${neuron}'s activations`}
              name={`set${activationSetId}-neuron-${neuron}-histogram`}
              caption={{
                title: `Neuron ${neuron}: activation histogram`,
                lines: [
                  about,
                  data &&
                    `${images.toLocaleString('en-US')} probe images · ${data.histogram.counts.length} bins · max ${formatValue(s.max)} · mean ${formatValue(s.mean)} · zeros ${formatShare(s.zeroShare)}`,
                ],
              }}
            >
              <ResponsiveContainer width="100%" height={240}>
                <BarChart data={chart} margin={{ top: 8, right: 16, bottom: 14, left: 4 }} barCategoryGap={1}>
                  <CartesianGrid vertical={false} />
                  <XAxis
                    dataKey="mid"
                    tickFormatter={(v: number) => formatTick(v)}
                    height={34}
                    interval="preserveStartEnd"
                    minTickGap={24}
                    label={{ value: 'activation', position: 'insideBottom', offset: -10, className: 'chart-label' }}
                  />
                  <YAxis
                    allowDecimals={false}
                    width={44}
                    label={{ value: 'images', angle: -90, position: 'insideLeft', className: 'chart-label' }}
                  />
                  <Tooltip
                    cursor={{ className: 'chart-cursor' }}
                    content={({ active, payload }) => {
                      const b = active ? (payload?.[0]?.payload as Bin | undefined) : undefined;
                      if (!b) return null;
                      return (
                        <div className="chart-tooltip">
                          {formatValue(b.lo)} – {formatValue(b.hi)}: <strong>{b.count}</strong> image{b.count === 1 ? '' : 's'}
                        </div>
                      );
                    }}
                  />
                  <Bar dataKey="count" className="hist-bar" isAnimationActive={false} />
                </BarChart>
              </ResponsiveContainer>
            </Figure>
          </div>
        </>
      )}
    </section>
  );
}
