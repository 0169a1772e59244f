import { ErrorBox } from '../../components/ErrorBox';
import { useContractQuery } from '../../lib/query';
import { AddEncoderForm } from './AddEncoderForm';
import { CalibrationHistory } from './CalibrationHistory';
import { CalibrationManual } from './CalibrationManual';
import { CalibrationWizard } from './CalibrationWizard';
import { EncoderList } from './EncoderList';
import { TokenizeProbe } from './TokenizeProbe';
import { formatAB } from './types';
import { useEncoders } from './useEncoders';

/** Encoders tab: the list, adding a folder, and the selected encoder's tokenizer probe and calibrations. */
export function EncodersPanel({ encoderId, onSelect }: { encoderId: number | null; onSelect: (encoderId: number) => void }) {
  const encoders = useEncoders();
  const probeSets = useContractQuery('probe.list', {});
  const list = encoders.data ?? [];
  // The encoder the address names (#/concepts/encoders/2) while the list has it, else the first.
  const selected = list.find((e) => e.id === encoderId) ?? list[0];

  return (
    <div className="stack" data-testid="encoders-panel">
      <section className="card">
        <h3>Image-text encoders</h3>
        <ErrorBox error={encoders.error} />
        {encoders.data && <EncoderList encoders={list} selectedId={selected?.id ?? null} onSelect={onSelect} />}
      </section>
      <section className="card">
        <h3>Add encoder folder</h3>
        <AddEncoderForm onAdded={(e) => onSelect(e.id)} />
      </section>
      {selected && (
        <div className="stack" data-testid="encoder-detail" data-id={selected.id} data-name={selected.name}>
          <section className="card">
            <h3>
              {selected.name} <span className="hint mono">{selected.path}</span>
            </h3>
            <dl className="facts">
              <dt>Model type</dt>
              <dd>{selected.modelType ?? '—'}</dd>
              <dt>Image size</dt>
              <dd>
                {selected.imageSize[0]} × {selected.imageSize[1]}
              </dd>
              <dt>Text length</dt>
              <dd>
                {selected.fixedTextLength !== null ? `fixed ${selected.fixedTextLength} tokens` : `up to ${selected.maxTextLength} tokens`}
              </dd>
              <dt>Calibration</dt>
              <dd data-testid="encoder-detail-calibration">
                {selected.calibration
                  ? `${formatAB(selected.calibration)} (${selected.calibration.source}${selected.calibration.label ? `: ${selected.calibration.label}` : ''})`
                  : 'none — explain and simulate need one'}
              </dd>
            </dl>
            {selected.status !== 'ok' && (
              <p className="warn-text">
                {selected.status === 'missing'
                  ? 'The folder is gone: add it again from its new place.'
                  : 'The files changed since they were added: add the folder again.'}
              </p>
            )}
            <h4>Tokenizer</h4>
            <TokenizeProbe encoderId={selected.id} />
          </section>
          {probeSets.data && <CalibrationWizard key={selected.id} encoder={selected} probeSets={probeSets.data} />}
          <section className="card">
            <h3>Known constants</h3>
            <CalibrationManual encoderId={selected.id} />
          </section>
          <section className="card">
            <h3>Calibrations of {selected.name}</h3>
            <CalibrationHistory encoderId={selected.id} />
          </section>
        </div>
      )}
    </div>
  );
}
