import { formatShare, formatValue } from '../../lib/format';
import type { NeuronView } from './types';

function Stat({ label, value, def, testId, warn }: { label: string; value: string; def: string; testId: string; warn?: boolean }) {
  return (
    <div className={`stat neuron-stat${warn ? ' warn' : ''}`}>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
      <dd className="stat-def">{def}</dd>
    </div>
  );
}

/** Header stats with their definitions inline (ux.md: max, mean, density, dead?). */
export function NeuronStats({ stat, images }: { stat: NeuronView['stat']; images: number }) {
  return (
    <dl className="stat-row">
      <Stat label="max" value={formatValue(stat.max)} def="largest activation on any probe image" testId="xn-max" />
      <Stat
        label="mean"
        value={formatValue(stat.mean)}
        def={`average over ${images.toLocaleString('en-US')} images (std ${formatValue(stat.std)})`}
        testId="xn-mean"
      />
      <Stat label="density" value={formatShare(1 - stat.zeroShare)} def="share of images where it is non-zero" testId="xn-density" />
      <Stat label="dead?" value={stat.dead ? 'yes' : 'no'} def="dead = max below 0.01 on every image" testId="xn-dead" warn={stat.dead} />
    </dl>
  );
}
